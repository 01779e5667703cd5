"""Subscribers: endpoint and key validation, subscribe / unsubscribe / erase."""
