"""Insights: what segments and campaigns did over time, and what to do next."""
