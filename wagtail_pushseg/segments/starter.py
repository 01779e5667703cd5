"""Starter segments a site can install in one go (``manage.py pushseg_starter_segments``).

Five ready-made segments, written as the StreamField JSON an editor would build in the admin,
so they can be opened, explained and tuned like any other:

- **Loyal subscribers**: visit in most weeks of the last twelve;
- **Bargain hunters**: most recent visits go to sale pages, and they keep coming;
- **Lapsed**: used to visit, but not in the last five weeks or so;
- **New subscribers**: subscribed in the last two weeks;
- **Fans of <tag>**: a strong, recent interest in one tag (by default the site's most-read tag).

Installing is idempotent by slug: a segment that exists already is left as it is (an editor may
have tuned it). The numbers were chosen against the demo population
(``tests/example_site/test_demo_segments.py`` checks they find its planted groups).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.utils.text import slugify

from ..conf import pushseg_settings
from ..models import Segment, TagAffinity
from .refresh import RefreshResult, refresh_segment
from .services import create_segment


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


def _rule(kind: str, **value: Any) -> dict[str, Any]:
    return {"type": kind, "value": value}


def loyal() -> Starter:
    return Starter(
        slug="loyal-subscribers",
        name="Loyal subscribers",
        description="Come back week after week (a visit in at least 8 of the last 12 weeks), "
                    "and not mainly for sales: bargain hunters have their own segment.",
        rules=[
            # 7 of 12 weeks counts a third, 8 two thirds (a member), 9 fully.
            _rule("visit_regularity", weeks=13, starts_at=6, full_at=9),
            _rule("group", match="none", rules=[_rule("sale_share", starts_at=30, full_at=60)]),
        ],
    )


def bargain_hunters() -> Starter:
    return Starter(
        slug="bargain-hunters",
        name="Bargain hunters",
        description="Most of their recent visits go to sale, clearance or discount pages, and "
                    "they keep coming back for them.",
        rules=[
            # Members from three quarters of their visits; product fans who like a deal
            # stay out.
            _rule("sale_share", starts_at=60, full_at=90),
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
        description=f"Read a lot about {tag} lately: a strong, recent interest in the tag.",
        rules=[_rule("tag_interest", tags=[tag], match="any", starts_at=3, full_at=7)],
    )


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
                             user=None) -> list[Installed]:
    """Create the starter segments whose slugs are free; ``fan_tags`` None means the site's
    most-read tag (no fans segment when nothing was read yet). With ``refresh``, every
    starter segment (new or not) is refreshed afterwards. New ones are audit-logged."""
    if fan_tags is None:
        tag = most_read_tag()
        fan_tags = [tag] if tag else []
    installed = []
    for starter in starter_definitions(list(fan_tags)):
        segment = Segment.objects.filter(slug=starter.slug).first()
        created = segment is None
        if segment is None:
            segment = create_segment(
                user=user, name=starter.name, slug=starter.slug,
                description=starter.description, rules=starter.rules,
                threshold=starter.threshold, active=True,
            )
        installed.append(Installed(segment, created))
    if refresh:
        for item in installed:
            item.refreshed = refresh_segment(item.segment)
            item.segment.refresh_from_db()
    return installed
