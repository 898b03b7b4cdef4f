"""The app as pushed, the first stage of a build: its files read safely (app_files), the
environment it must not commit (committed_environments), its own build hooks (hooks) and
the Node asset step it asks of another buildpack (node_assets)."""
