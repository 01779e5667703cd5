"""On the demo population, the starter segments find the groups the demo data planted.

``load_demo_data`` installs the starters (with a fans segment per ``FAN_TAGS``) and refreshes
them. The population is the demo's default size (300) and seed (42); the personas are read
back by planting the same histories again, as the command did (same seed, same midnight).

Thresholds, checked per segment, as precision (members who are the planted persona) and
recall (planted persona members found):

- Loyal subscribers, Bargain hunters, Lapsed, New subscribers: both at least 0.9;
- Fans of <tag>, over the three fans segments together: both at least 0.9; each one alone:
  precision at least 0.85 and recall at least 0.75. The two-tag "pair" group reads cameras for
  half of its visits, and the fans with the fewest visits read their tag about as much, so
  a single interest ramp cannot tell every one of them apart (a per-tag share-of-interest rule
  would; see the issue notes).

Measured when written (the week boundaries move the figures a little from one weekday to
the next, checked for all seven): loyal ≥ 0.92 / 0.92, bargain 1.0 / ≥ 0.93, lapsed and new
1.0 / 1.0; fans together 0.97 / 0.95 (cameras 0.91 / 1.0, audio 1.0 / 1.0, gaming 1.0 / 0.8).
"""

import pytest
from demo.demo_data import step_rng
from demo.demo_data.behaviour import FAN_TAGS, plant_behaviour
from demo.models import ArticlePage, OfferPage
from django.core.management import call_command
from django.utils import timezone

from wagtail_pushseg.models import Event, Membership, Segment, Subscriber


pytestmark = pytest.mark.django_db

SEED = 42
SUBSCRIBERS = 300
PERSONA = {"loyal-subscribers": "loyal", "bargain-hunters": "bargain", "lapsed": "lapsed",
           "new-subscribers": "new"}
FANS = {f"fans-of-{tag}": tag for tag in FAN_TAGS}


@pytest.fixture
def demo(settings, tmp_path):
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG, "ALLOWED_ENDPOINT_ORIGINS": ["http://127.0.0.1:8001"],
    }
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    call_command("load_demo_data", subscribers=SUBSCRIBERS, seed=SEED, verbosity=0,
                 sandbox_state=tmp_path / "sandbox.json", no_progress=True)
    if timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) != midnight:
        pytest.skip("ran across midnight: the histories would differ")
    subscribers = list(Subscriber.objects.filter(status="active").order_by("visitor_id"))
    views = Event.objects.count()
    planted = plant_behaviour(step_rng(SEED, "behaviour"), subscribers,
                              ArticlePage.objects.all(), OfferPage.objects.all(), now=midnight)
    assert Event.objects.count() == views == planted.views  # the same histories again
    return planted


def score(members: set[int], planted: set[int]) -> tuple[float, float]:
    found = len(members & planted)
    return found / max(len(members), 1), found / max(len(planted), 1)


def test_demo_starter_segments_are_installed_refreshed_and_find_the_planted_groups(demo):
    planted = demo
    assert set(Segment.objects.values_list("slug", flat=True)) == set(PERSONA) | set(FANS)
    assert all(s.last_refreshed_at and s.member_count for s in Segment.objects.all())
    assert Membership.objects.count() == sum(Segment.objects.values_list("member_count",
                                                                         flat=True))
    visitor = dict(Subscriber.objects.values_list("pk", "visitor_id"))
    report, failures = [], []
    fans_members, fans_planted = set(), set()
    for segment in Segment.objects.order_by("pk"):
        members = set(Membership.objects.filter(segment=segment)
                      .values_list("subscriber_id", flat=True))
        if segment.slug in PERSONA:
            group = {pk for pk, v in visitor.items()
                     if planted.personas.get(v) == PERSONA[segment.slug]}
            need = (0.9, 0.9)
        else:
            tag = FANS[segment.slug]
            group = {pk for pk, v in visitor.items() if planted.fan_tags.get(v) == tag}
            fans_members |= {(tag, pk) for pk in members}
            fans_planted |= {(tag, pk) for pk in group}
            need = (0.85, 0.75)
        precision, recall = score(members, group)
        report.append(f"{segment.slug}: {len(members)} members, {len(group)} planted, "
                      f"precision {precision:.2f}, recall {recall:.2f}")
        if precision < need[0] or recall < need[1]:
            failures.append(report[-1])
    precision, recall = score(fans_members, fans_planted)
    report.append(f"fans together: precision {precision:.2f}, recall {recall:.2f}")
    if precision < 0.9 or recall < 0.9:
        failures.append(report[-1])
    print("\n".join(report))
    assert not failures, "\n".join(report)
