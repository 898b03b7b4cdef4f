"""A Heroku buildpack for Django apps. Standard library only; Python 3.8+."""
