"""Campaigns in the admin: the viewset (``viewset.py``) and one module per screen."""
