"""django-q2 task functions: thin wrappers that call into the parts (testable without a worker)."""

from .tracking.retention import purge_old_events


def purge_events() -> int:
    return purge_old_events()
