"""Segment changes made through the services are validated and in Wagtail's audit log."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import ModelLogEntry

from wagtail_pushseg.models import Segment
from wagtail_pushseg.segments.services import create_segment, delete_segment, update_segment

from .conftest import block


pytestmark = pytest.mark.django_db

RULES = [block("browser", browsers=["Firefox"])]


def logged(segment_pk) -> list[tuple[str, str]]:
    entries = ModelLogEntry.objects.filter(object_id=str(segment_pk)).order_by("timestamp", "pk")
    return [(e.action, e.label) for e in entries]


def test_create_update_and_delete_are_logged_with_their_user(django_user_model):
    editor = django_user_model.objects.create_user("seg-editor", "s@example.com", "pw")
    segment = create_segment(name="Firefox users", rules=RULES, user=editor)
    update_segment(segment, user=editor, threshold=0.8, description="Who use Firefox")
    update_segment(segment, user=editor, threshold=0.8)  # no change: not logged
    pk = segment.pk
    delete_segment(segment, user=editor)
    assert logged(pk) == [
        ("wagtail.create", "Firefox users"),
        ("wagtail.edit", "Firefox users"),
        ("wagtail.delete", "Firefox users"),
    ]
    edit = ModelLogEntry.objects.get(object_id=str(pk), action="wagtail.edit")
    assert edit.user == editor and edit.data == {"fields": ["description", "threshold"]}
    assert not Segment.objects.filter(pk=pk).exists()


def test_invalid_changes_are_refused_and_not_logged():
    with pytest.raises(ValidationError):
        create_segment(name="Nobody", rules=[], threshold=0.5)
    segment = create_segment(name="Firefox users", rules=RULES)
    with pytest.raises(ValidationError):
        update_segment(segment, threshold=0)
    assert [a for a, _ in logged(segment.pk)] == ["wagtail.create"]


def test_a_segment_other_segments_use_cannot_be_deleted():
    base = create_segment(name="Base", rules=RULES)
    create_segment(name="Built on base", rules=[block("member_of", segment=base.pk)])
    with pytest.raises(ValidationError, match="“Built on base”"):
        delete_segment(base)
    assert Segment.objects.filter(pk=base.pk).exists()


def test_saving_a_segment_directly_works_with_the_log():
    segment = Segment.objects.create(name="Direct", rules=RULES)
    from wagtail.log_actions import log

    entry = log(segment, "wagtail.edit")
    assert entry.label == "Direct" and entry.content_type.model == "segment"
