"""The slug and the dyno environment: process types, .profile.d, hooks, the source tree."""
