"""Delivery: payloads, encryption, VAPID and sending. Plain Python, no ORM in the hot path."""
