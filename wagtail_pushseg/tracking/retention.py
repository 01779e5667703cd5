"""Purge raw events past ``EVENT_RETENTION_DAYS``; profiles and affinities stay."""

from datetime import datetime, timedelta

from django.utils import timezone

from ..conf import pushseg_settings
from ..models import Event


def purge_old_events(now: datetime | None = None) -> int:
    """Delete events older than the retention period; returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=pushseg_settings.EVENT_RETENTION_DAYS)
    deleted, _ = Event.objects.filter(occurred_at__lt=cutoff).delete()
    return deleted
