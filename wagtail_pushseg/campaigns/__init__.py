"""Campaigns: the editor flow, the publish trigger and audience planning."""
