"""The live preview: the editor's unsaved rules, counted by the compiler, without saving."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import nested_form_data, streamfield

from wagtail_pushseg.admin.segments.preview import compute_preview
from wagtail_pushseg.models import Membership, Segment

from .conftest import make_affinity, make_subscriber


pytestmark = pytest.mark.django_db

PREVIEW = reverse("wagtail_pushseg_segments:preview")
#: Camera scores and the degree each gives with the ramp 1 → 3 (mid-bin, away from edges).
SCORES = {3.5: 1.0, 2.7: 0.85, 2.3: 0.65, 1.7: 0.35, 0.5: 0.0}


@pytest.fixture
def writer(django_user_model):
    user = django_user_model.objects.create_user("writer", "w@example.com", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="wagtail_pushseg", codename__in=["add_segment", "change_segment"],
    ))
    return user


@pytest.fixture
def readers():
    """One active subscriber per score, plus one who unsubscribed (never counted)."""
    now = timezone.now()
    subs = {}
    for score in SCORES:
        subs[score] = make_subscriber()
        make_affinity(subs[score], "cameras", score, updated_at=now)
    gone = make_subscriber(status="unsubscribed")
    make_affinity(gone, "cameras", 5, updated_at=now)
    return subs


def form(threshold="0.5", **value) -> dict:
    rule = {"tags": "cameras", "match": "any", "starts_at": "1", "full_at": "3", **value}
    return nested_form_data({
        "name": "Unsaved", "slug": "", "description": "", "threshold": threshold,
        "rules": streamfield([("tag_interest", rule)]),
    })


def test_preview_counts_members_histogram_and_sample_of_unsaved_rules(client, writer, readers):
    client.force_login(writer)
    response = client.post(PREVIEW, form())
    assert response.status_code == 200
    data = response.json()
    assert data["error"] == "" and not data["incomplete"]
    assert data["active"] == len(SCORES)
    assert data["members"] == 3  # 1.0, 0.85 and 0.65 reach 0.5
    counts = [bar["count"] for bar in data["histogram"]]
    assert counts == [0, 0, 0, 1, 0, 0, 1, 0, 1, 1]  # 0.35, 0.65, 0.85, 1.0; 0 is not shown
    sample = [(row["subscriber"], round(row["degree"], 2)) for row in data["sample"]]
    assert sample == [(readers[3.5].pk, 1.0), (readers[2.7].pk, 0.85), (readers[2.3].pk, 0.65)]
    assert "<strong>3</strong> of 5 active subscribers" in data["html"]
    assert "pushseg-histogram__bin--member" in data["html"]
    assert not Segment.objects.exists() and not Membership.objects.exists()


def test_preview_follows_the_threshold_and_the_ramp(client, writer, readers):
    client.force_login(writer)
    assert client.post(PREVIEW, form(threshold="0.9")).json()["members"] == 1
    assert client.post(PREVIEW, form(threshold="0.3")).json()["members"] == 4
    assert client.post(PREVIEW, form(starts_at="0", full_at="1")).json()["members"] == 4
    assert client.post(PREVIEW, form(tags="audio")).json()["members"] == 0


def test_incomplete_rules_are_previewed_as_they_are_and_unreadable_ones_explained(
    client, writer, readers
):
    client.force_login(writer)
    # Above 100 % is refused by the block's own check, but can still be previewed.
    data = client.post(PREVIEW, nested_form_data({
        "threshold": "0.5",
        "rules": streamfield([("sale_share", {"starts_at": "30", "full_at": "150"})]),
    })).json()
    assert data["incomplete"] and data["error"] == "" and data["members"] == 0
    data = client.post(PREVIEW, form(starts_at="")).json()
    assert data["error"] == "Fill in every rule to see a preview."
    data = client.post(PREVIEW, form(threshold="2")).json()
    assert data["error"].startswith("Set a threshold")
    data = client.post(PREVIEW, {"threshold": "0.5"}).json()  # no rules in the form at all
    assert data["error"] == "Fill in every rule to see a preview."


def test_preview_samples_both_ends_of_a_large_membership(readers):
    now = timezone.now()
    extra = [make_subscriber() for _ in range(12)]
    for i, subscriber in enumerate(extra):
        make_affinity(subscriber, "cameras", 2.1 + i * 0.05, updated_at=now)
    rules = [{"type": "tag_interest", "value": {"tags": ["cameras"], "starts_at": 1,
                                                "full_at": 3}}]
    preview = compute_preview(rules, 0.5)
    assert preview.members == 15
    degrees = [s.degree for s in preview.sample]
    assert len(degrees) == 10 and degrees == sorted(degrees, reverse=True)
    assert degrees[0] == pytest.approx(1.0) and degrees[-1] == pytest.approx(0.55, abs=1e-3)


def test_preview_answers_only_post(client, writer):
    client.force_login(writer)
    assert client.get(PREVIEW).status_code == 405
