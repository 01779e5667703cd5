"""Tracking: recording what subscribed visitors do and folding it into profiles."""
