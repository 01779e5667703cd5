"""Segments in the admin: the snippet viewset (``viewset.py``) and one module per screen."""
