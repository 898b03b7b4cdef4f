"""The Django steps: finding the project, collectstatic, and advice on the settings."""
