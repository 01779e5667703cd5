"""Rule blocks over behaviour: interests, visits, pushes and subscription age.

Each maps a measure to a degree with "starts counting at" / "fully counts at"; the meaning of
each measure is in :mod:`wagtail_pushseg.segments.rules`.
"""

import re
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from ..conf import pushseg_settings
from ..tracking.activity import WEEKS_KEPT
from .block_fields import MeasureBlock, TagsBlock, ramp_fields
from .rules import ALL, ANY


_EVENT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_PERCENT_TOO_LARGE = _("A share is at most 100 %.")


class TagInterestBlock(MeasureBlock):
    tags = TagsBlock(
        label=_("Tags"), required=False,  # validate() says what is missing
        help_text=_("Pick the site's tags or type them, separated by commas."),
    )
    match = blocks.ChoiceBlock(
        label=_("Interest in"), default=ANY, required=True,
        choices=[(ANY, _("any of these tags (the strongest counts)")),
                 (ALL, _("all of these tags (the weakest counts)"))],
    )
    starts_at, full_at = ramp_fields(_("interest points"), 1, 3)

    class Meta:
        label = _("Interest in tags")
        icon = "tag"
        group = _("Interests")
        help_text = _(
            "How much the subscriber reads pages with these tags: each page view adds a point to "
            "each of its tags, and points fade by half over the tag half-life (30 days unless "
            "your site changed it). 3 points is about three recent views."
        )

    def validate(self, value, errors: dict[str, Any]) -> None:
        super().validate(value, errors)
        tags = value.get("tags") or []
        if not tags:
            errors["tags"] = _("Choose at least one tag.")
        elif any(len(tag) > 100 for tag in tags):
            errors["tags"] = _("Tags are at most 100 characters long.")


class CustomEventBlock(MeasureBlock):
    event = blocks.CharBlock(
        label=_("Event name"), max_length=64,
        help_text=_("As your site's script reports it, e.g. purchase or add_to_cart."),
    )
    days = blocks.IntegerBlock(label=_("In the last (days)"), default=30)
    starts_at, full_at = ramp_fields(_("times"), 1, 1)

    class Meta:
        label = _("Did something")
        icon = "success"
        group = _("Interests")
        help_text = _(
            "How often the subscriber did a custom event recently. “At least twice in 30 days”: "
            "30 days, and 2 twice."
        )

    def validate(self, value, errors: dict[str, Any]) -> None:
        super().validate(value, errors)
        if not _EVENT_NAME.match(value.get("event") or ""):
            errors["event"] = _(
                "Use the event's name as reported: lower-case letters, digits, - and _."
            )
        days, kept = value.get("days"), pushseg_settings.EVENT_RETENTION_DAYS
        if days is not None and days < 1:
            errors["days"] = _("Look back at least 1 day.")
        elif days is not None and days > kept:
            errors["days"] = format_lazy(
                _("Events are kept for {n} days; look back {n} days or fewer."), n=kept
            )


class VisitRegularityBlock(MeasureBlock):
    weeks = blocks.IntegerBlock(
        label=_("Weeks looked at"), default=8,
        help_text=_("How many weeks back to look, this week included (1 to 53)."),
    )
    starts_at, full_at = ramp_fields(_("weeks with a visit"), 2, 6)
    too_large = _("That is more weeks than are looked at.")

    class Meta:
        label = _("Visits regularly")
        icon = "date"
        group = _("Visits")
        help_text = _(
            "In how many of the last weeks the subscriber visited at least once. Coming back 3 of "
            "the last 8 weeks is somewhat regular; 6 of 8 is loyal."
        )

    def limit(self, value) -> float | None:
        return value.get("weeks")

    def validate(self, value, errors: dict[str, Any]) -> None:
        weeks = value.get("weeks")
        if weeks is not None and weeks < 1:
            errors["weeks"] = _("Look back at least 1 week.")
        elif weeks is not None and weeks > WEEKS_KEPT:
            errors["weeks"] = format_lazy(
                _("Visits are kept for the last {n} weeks; look back {n} weeks or fewer."),
                n=WEEKS_KEPT,
            )
        else:
            super().validate(value, errors)


class RecentVisitBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("days since the last visit"), 30, 7)

    class Meta:
        label = _("Visited recently")
        icon = "time"
        group = _("Visits")
        help_text = _(
            "Counts fully when the last visit was at most “fully counts at” days ago, fading out "
            "until “starts counting at” days. “Within 7 days”: 7 twice. Never visited: does not "
            "count."
        )


class LapsedBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("days without a visit"), 30, 60)

    class Meta:
        label = _("Lapsed (stopped visiting)")
        icon = "time"
        group = _("Visits")
        help_text = _(
            "Counts from “starts counting at” days without a visit, fully from “fully counts at” "
            "days. “No visit for 45 days”: 45 twice. Never visited: counts fully."
        )


class SaleShareBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("percent of recent visits"), 30, 60)
    maximum = 100
    too_large = _PERCENT_TOO_LARGE

    class Meta:
        label = _("Comes for sales")
        icon = "tag"
        group = _("Visits")
        help_text = _(
            "Which share of the subscriber's recent visits went to sale pages (pages tagged "
            "sale, clearance or discount). No visits yet: 0 %."
        )


class ClickThroughBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("percent of pushes clicked"), 5, 20)
    maximum = 100
    too_large = _PERCENT_TOO_LARGE

    class Meta:
        label = _("Clicks pushes")
        icon = "pick"
        group = _("Pushes")
        help_text = _(
            "Which share of the pushes the subscriber received they clicked. Before the first "
            "push: 0 %."
        )


class ClickedRecentlyBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("days since the last click"), 30, 7)

    class Meta:
        label = _("Clicked a push recently")
        icon = "pick"
        group = _("Pushes")
        help_text = _(
            "Counts fully when the subscriber clicked a push at most “fully counts at” days ago. "
            "“Clicked within 14 days”: 14 twice. Never clicked: does not count."
        )


class IgnoredPushesBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("pushes in a row without a click"), 3, 6)

    class Meta:
        label = _("Ignores pushes")
        icon = "cross"
        group = _("Pushes")
        help_text = _(
            "How many pushes in a row the subscriber received without clicking any. “Ignored "
            "the last 5 pushes”: 5 twice."
        )


class SubscriptionAgeBlock(MeasureBlock):
    starts_at, full_at = ramp_fields(_("days since subscribing"), 30, 90)

    class Meta:
        label = _("Subscribed for a while")
        icon = "calendar"
        group = _("Subscription")
        help_text = _(
            "How long ago the subscriber subscribed. “At least 90 days”: 90 twice. For new "
            "subscribers put the larger number first: starts counting at 30, fully counts at 14."
        )
