"""The Wagtail admin: viewsets, panels, reports and the dashboard."""
