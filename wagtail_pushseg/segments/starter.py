"""Starter segments a site can install in one go (``manage.py pushseg_starter_segments``).

Five ready-made segments, written as the StreamField JSON an editor would build in the admin,
so they can be opened, explained and tuned like any other:

- **Loyal subscribers**: visit in most weeks of the last twelve, the less for sales the more;
- **Bargain hunters**: come back for sale pages, the larger their sale share the more;
- **Lapsed**: used to visit, but not in the last five weeks or so;
- **New subscribers**: subscribed in the last two weeks;
- **Fans of <tag>**: a large share of their reading goes to one tag (by default the site's
  most-read tag), however much they read.

Degrees are graded, not crisp: Loyal and Bargain hunters share one sale-share ramp from 20 % to
80 %, the one counting up as the other counts down, so a weekly reader who opens sale pages
45 % of the time is about half in each (0.58 loyal, 0.42 bargain hunter) and the campaign's
focus decides; "Fans of" ramps over the share of reading (15 % to 75 %), so someone reading two
tags half and half is a fan of both (0.58), a general reader of four tags of none (0.17).

Installing is idempotent by slug: a segment that exists already is left as it is (an editor may
have tuned it); ``update=True`` (``--update``) writes today's definitions over the starters
that exist, as a new revision of each. The numbers were chosen against the demo population
(``tests/example_site/test_demo_segments.py`` checks they find its planted groups) and the
scenario family (``insights.scenario_scores``).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.utils.text import slugify

from ..conf import pushseg_settings
from ..models import Segment, TagAffinity
from .refresh import RefreshResult, refresh_segment
from .services import create_segment, update_segment


@dataclass(frozen=True)
class Starter:
    """One starter segment's definition."""

    slug: str
    name: str
    description: str
    rules: list[dict[str, Any]]
    threshold: float = 0.5


@dataclass
class Installed:
    """What installing one starter did: ``created`` False when its slug was taken already."""

    segment: Segment
    created: bool
    refreshed: RefreshResult | None = None
    #: True when ``update`` replaced the existing segment's rules with today's.
    updated: bool = False


#: The sale-share ramp Bargain hunters count up on and Loyal subscribers count down on.
SALE_RAMP = {"starts_at": 20, "full_at": 80}


def _rule(kind: str, **value: Any) -> dict[str, Any]:
    return {"type": kind, "value": value}


def loyal() -> Starter:
    return Starter(
        slug="loyal-subscribers",
        name="Loyal subscribers",
        description="Come back week after week (a visit in at least 8 of the last 12 weeks), "
                    "the less for sales the more: a reader who comes half for sales is half "
                    "loyal, half bargain hunter.",
        rules=[
            # 7 of 12 weeks counts a third, 8 two thirds (a member), 9 fully.
            _rule("visit_regularity", weeks=13, starts_at=6, full_at=9),
            # Bargain hunters' ramp, turned round: 45 % for sales is 0.58 loyal.
            _rule("group", match="none", rules=[_rule("sale_share", **SALE_RAMP)]),
        ],
    )


def bargain_hunters() -> Starter:
    return Starter(
        slug="bargain-hunters",
        name="Bargain hunters",
        description="Most of their recent visits go to sale, clearance or discount pages, and "
                    "they keep coming back for them.",
        rules=[
            # Graded over the whole range of sale shares: half their visits for sales is
            # half a bargain hunter (a member), 45 % is 0.42.
            _rule("sale_share", **SALE_RAMP),
            # A stray visit or two to a deal is not a habit: 3 of the last 8 weeks is.
            _rule("visit_regularity", weeks=8, starts_at=2, full_at=4),
        ],
    )


def lapsed() -> Starter:
    return Starter(
        slug="lapsed",
        name="Lapsed",
        description="Used to visit (in at least 4 weeks of the last half year), but no visit "
                    "for about five weeks or more.",
        rules=[
            _rule("lapsed", starts_at=30, full_at=45),
            _rule("visit_regularity", weeks=26, starts_at=3, full_at=5),
        ],
    )


def new_subscribers() -> Starter:
    return Starter(
        slug="new-subscribers",
        name="New subscribers",
        description="Subscribed in the last two weeks (fading out until a month).",
        rules=[_rule("subscription_age", starts_at=30, full_at=14)],
    )


def fans_of(tag: str) -> Starter:
    tag = tag.strip().lower()
    return Starter(
        slug=f"fans-of-{slugify(tag)}"[:100],
        name=f"Fans of {tag}"[:100],
        description=f"Much of what they read is about {tag}, however much they read: a light "
                    f"reader of almost only {tag} is a fan, a heavy reader of everything is not.",
        rules=[
            # Half their reading is 0.58 (a fan of both of two tags), a quarter 0.17.
            _rule("tag_share", tags=[tag], match="any", starts_at=15, full_at=75),
            # And reading it at all lately: about two recent views (a stray view long ago is
            # all of a tiny reading, not a fan).
            _rule("tag_interest", tags=[tag], match="any", starts_at=1, full_at=3),
        ],
    )


def _without_ids(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored rules as a starter writes them: without the blocks' ids."""
    plain = []
    for item in rules:
        value = dict(item["value"])
        if item["type"] == "group":
            value["rules"] = _without_ids(value.get("rules") or [])
        plain.append({"type": item["type"], "value": value})
    return plain


def most_read_tag() -> str | None:
    """The tag subscribers viewed most (all page views ever folded into affinities), sale tags
    aside (bargain hunters cover those); None before any view."""
    row = (
        TagAffinity.objects.exclude(tag__in=pushseg_settings.SALE_TAGS)
        .values("tag").annotate(views=Sum("views")).order_by("-views", "tag").first()
    )
    return row["tag"] if row else None


def starter_definitions(fan_tags: Sequence[str] = ()) -> list[Starter]:
    """The four fixed starters, then one "Fans of" per tag in ``fan_tags``."""
    fixed = [loyal(), bargain_hunters(), lapsed(), new_subscribers()]
    seen: set[str] = set()
    fans = []
    for tag in fan_tags:
        starter = fans_of(tag)
        if tag.strip() and starter.slug not in seen:
            seen.add(starter.slug)
            fans.append(starter)
    return fixed + fans


def install_starter_segments(fan_tags: Iterable[str] | None = None, refresh: bool = False,
                             user=None, update: bool = False) -> list[Installed]:
    """Create the starter segments whose slugs are free; ``fan_tags`` None means the site's
    most-read tag (no fans segment when nothing was read yet). With ``update``, starters that
    exist get today's description and rules (an editor's changes to them are replaced; the
    segment's history keeps them). With ``refresh``, every starter segment (new or not) is
    refreshed afterwards. New and updated ones are audit-logged."""
    if fan_tags is None:
        tag = most_read_tag()
        fan_tags = [tag] if tag else []
    installed = []
    for starter in starter_definitions(list(fan_tags)):
        segment = Segment.objects.filter(slug=starter.slug).first()
        created, updated = segment is None, False
        if created:
            segment = create_segment(
                user=user, name=starter.name, slug=starter.slug,
                description=starter.description, rules=starter.rules,
                threshold=starter.threshold, active=True,
            )
        elif update and (_without_ids(list(segment.rules.raw_data)) != starter.rules
                         or segment.description != starter.description):
            segment = update_segment(segment, user=user, description=starter.description,
                                     rules=starter.rules)
            updated = True
        installed.append(Installed(segment, created, updated=updated))
    if refresh:
        for item in installed:
            item.refreshed = refresh_segment(item.segment)
            item.segment.refresh_from_db()
    return installed
