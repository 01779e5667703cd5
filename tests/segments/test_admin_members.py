"""Refresh on demand, the member listing (sorted, filtered, exported), explanations and the
overlap matrix, through the real admin views."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from wagtail_pushseg.models import Membership

from .conftest import block, make_affinity, make_member, make_segment, make_subscriber


pytestmark = pytest.mark.django_db

URL = "wagtail_pushseg_segments:%s"
CAMERAS = [block("tag_interest", tags=["cameras"], starts_at=1, full_at=3)]


@pytest.fixture
def segment_manager(django_user_model):
    user = django_user_model.objects.create_user("segman", "sm@example.com", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="wagtail_pushseg", codename__endswith="_segment",
    ))
    return user


@pytest.fixture
def camera_fans():
    """A segment and four readers: degrees 1.0, 0.85, 0.65 (members) and 0.35 (not)."""
    now = timezone.now()
    readers = []
    for score in (3.5, 2.7, 2.3, 1.7):
        subscriber = make_subscriber(browser="Firefox", language="de-DE")
        make_affinity(subscriber, "cameras", score, updated_at=now)
        readers.append(subscriber)
    return make_segment(CAMERAS, name="Camera fans"), readers


def csv_rows(response) -> list[dict]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_refresh_on_demand_stores_members_and_is_logged(client, segment_manager, camera_fans):
    segment, readers = camera_fans
    client.force_login(segment_manager)
    url = reverse(URL % "refresh", args=[segment.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Not refreshed yet" in page.content.decode()
    assert not Membership.objects.exists()  # GET only asks
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse(URL % "members", args=[segment.pk])
    assert "refreshed: 3 members (3 joined, 0 left)" in response.content.decode()
    segment.refresh_from_db()
    assert segment.member_count == 3 and segment.last_refreshed_at is not None
    assert set(Membership.objects.values_list("subscriber_id", flat=True)) == {
        s.pk for s in readers[:3]
    }
    entry = ModelLogEntry.objects.get(object_id=str(segment.pk),
                                      action="wagtail_pushseg.refresh_segment")
    assert entry.user_id == segment_manager.pk
    assert entry.data == {"members": 3, "entered": 3, "left": 0, "seconds": entry.data["seconds"]}
    assert entry.message == "Members refreshed: 3 (3 joined, 0 left)"


def test_member_listing_sorts_by_degree_filters_and_links_explanations(
    client, segment_manager, camera_fans
):
    segment, readers = camera_fans
    for subscriber, degree in zip(readers, (0.9, 0.6, 0.75, 0.55), strict=True):
        make_member(segment, subscriber, degree)
    client.force_login(segment_manager)
    url = reverse(URL % "members", args=[segment.pk])
    response = client.get(url)
    assert response.status_code == 200
    listed = [m.subscriber_id for m in response.context["object_list"]]
    assert listed == [readers[0].pk, readers[2].pk, readers[1].pk, readers[3].pk]
    html = response.content.decode()
    assert reverse(URL % "explain", args=[segment.pk, readers[0].pk]) in html
    assert "0.90" in html and "export=csv" in html
    ascending = client.get(url, {"ordering": "degree"}).context["object_list"]
    assert [m.degree for m in ascending] == [0.55, 0.6, 0.75, 0.9]
    strong = client.get(url, {"min_degree": "0.7"}).context["object_list"]
    assert {m.subscriber_id for m in strong} == {readers[0].pk, readers[2].pk}
    results = client.get(reverse(URL % "members_results", args=[segment.pk]),
                         {"min_degree": "0.7"})
    assert results.status_code == 200 and "0.75" in results.content.decode()


def test_member_listing_exports_csv_with_degrees(client, segment_manager, camera_fans):
    segment, readers = camera_fans
    make_member(segment, readers[0], 0.9)
    make_member(segment, readers[1], 0.6)
    client.force_login(segment_manager)
    url = reverse(URL % "members", args=[segment.pk])
    response = client.get(url, {"export": "csv", "min_degree": "0.5"})
    assert response.status_code == 200
    assert "segment-camera-fans-members.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert [(int(r["Subscriber id"]), float(r["Degree"])) for r in rows] == [
        (readers[0].pk, 0.9), (readers[1].pk, 0.6)
    ]
    assert rows[0]["Browser"] == "Firefox" and rows[0]["Language"] == "de-DE"
    only_strong = csv_rows(client.get(url, {"export": "csv", "min_degree": "0.8"}))
    assert len(only_strong) == 1


def test_explanation_shows_each_rule_with_its_measure_and_the_stored_degree(
    client, segment_manager
):
    subscriber = make_subscriber(browser="Firefox")
    make_affinity(subscriber, "cameras", 2.5, updated_at=timezone.now())
    segment = make_segment([
        block("tag_interest", tags=["cameras"], starts_at=1, full_at=3),
        block("group", match="none", rules=[block("browser", browsers=["Safari"])]),
    ], name="Camera fans off Safari")
    make_member(segment, subscriber, 0.75)
    client.force_login(segment_manager)
    response = client.get(reverse(URL % "explain", args=[segment.pk, subscriber.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Camera fans off Safari: 0.75 (threshold 0.50) → member" in html
    assert "affinity to cameras 2.5 (starts counting at 1, fully counts at 3) → 0.75" in html
    assert "none of these (1 − the strongest) → 1.00" in html
    assert "browser “Firefox”, rule: Safari → 0.00" in html
    assert "Member with degree 0.75" in html
    other = make_subscriber()
    response = client.get(reverse(URL % "explain", args=[segment.pk, other.pk]))
    assert "→ not a member" in response.content.decode()
    assert client.get(reverse(URL % "explain", args=[segment.pk, 999999])).status_code == 404


def test_overlap_matrix_counts_pairs_and_jaccard_from_memberships(client, segment_manager):
    a = make_segment([block("browser", browsers=["Firefox"])], name="A readers")
    b = make_segment([block("browser", browsers=["Safari"])], name="B readers")
    c = make_segment([block("browser", browsers=["Chrome"])], name="C readers")
    hidden = make_segment([block("browser", browsers=["Edge"])], name="Inactive one",
                          active=False)
    subs = [make_subscriber() for _ in range(6)]
    for s in subs[:4]:
        make_member(a, s, 1.0)  # A: 0-3
    for s in subs[2:5]:
        make_member(b, s, 1.0)  # B: 2-4, A∩B = 2, A∪B = 5
    make_member(c, subs[5], 1.0)  # C: 5, no overlap
    make_member(hidden, subs[0], 1.0)
    client.force_login(segment_manager)
    response = client.get(reverse(URL % "overlap"))
    assert response.status_code == 200
    rows = {row.name: {cell.column.name: cell.overlap for cell in cells}
            for row, cells in response.context["rows"]}
    assert set(rows) == {"A readers", "B readers", "C readers"}
    ab = rows["A readers"]["B readers"]
    assert (ab.a, ab.b, ab.both, ab.either) == (4, 3, 2, 5)
    assert ab.jaccard == pytest.approx(0.4)
    assert rows["B readers"]["A readers"].both == 2
    assert rows["A readers"]["A readers"].both == 4
    assert rows["A readers"]["C readers"].both == 0
    html = response.content.decode()
    assert "pushseg-overlap" in html and "0.40" in html and "--pushseg-share: 0.4000" in html
    assert [(p.row.name, p.column.name) for p in response.context["pairs"]] == [
        ("A readers", "B readers")
    ]


def test_overlap_matrix_is_one_query_over_memberships(segment_manager, django_assert_num_queries):
    from wagtail_pushseg.admin.segments.overlap import overlap_rows

    segments = [make_segment([block("browser", browsers=[n])], name=n)
                for n in ("Firefox", "Safari", "Chrome", "Edge")]
    subs = [make_subscriber() for _ in range(5)]
    for i, s in enumerate(subs):
        make_member(segments[i % 4], s, 1.0)
        make_member(segments[(i + 1) % 4], s, 1.0)
    with django_assert_num_queries(1):
        rows = overlap_rows(segments)
    assert sum(cell.overlap.both for _r, cells in rows for cell in cells) == 10 + 2 * 5
