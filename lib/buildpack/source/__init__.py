"""The app's source as pushed: what it commits and what it asks other tools to do."""
