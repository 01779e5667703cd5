"""Insights in the admin: the home-page dashboard and the suggested segments."""
