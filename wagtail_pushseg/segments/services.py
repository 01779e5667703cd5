"""Create, change and delete segments with validation and an entry in Wagtail's audit log.

The admin (and anything else that changes segments for a person) goes through these, so that
every change is logged with its user: ``wagtail.create`` / ``wagtail.edit`` /
``wagtail.delete`` on the segment, as Wagtail's own snippet views log them.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from ..models import Segment


def create_segment(*, user=None, **fields: Any) -> Segment:
    """Validate and save a new segment; logs ``wagtail.create``."""
    segment = Segment(**fields)
    segment.full_clean()
    with transaction.atomic():
        segment.save()
        log(segment, "wagtail.create", user=user)
    return segment


def update_segment(segment: Segment, *, user=None, **changes: Any) -> Segment:
    """Apply ``changes``, validate and save; logs ``wagtail.edit`` when something changed."""
    before = {name: _comparable(getattr(segment, name)) for name in changes}
    for name, value in changes.items():
        setattr(segment, name, value)
    segment.full_clean()
    changed = sorted(n for n in changes if _comparable(getattr(segment, n)) != before[n])
    with transaction.atomic():
        segment.save()
        if changed:
            log(segment, "wagtail.edit", user=user, data={"fields": changed})
    return segment


def delete_segment(segment: Segment, *, user=None) -> None:
    """Delete a segment that no other segment's rules use; logs ``wagtail.delete``."""
    users = [
        other.name for other in Segment.objects.exclude(pk=segment.pk)
        if segment.pk in other.depends_on()
    ]
    if users:
        raise ValidationError(
            _("Other segments are built on this one: %(names)s. Change their rules first.")
            % {"names": ", ".join(f"“{n}”" for n in sorted(users))}
        )
    with transaction.atomic():
        log(segment, "wagtail.delete", user=user)
        segment.delete()


def _comparable(value: Any) -> Any:
    return value.get_prep_value() if hasattr(value, "get_prep_value") else value
