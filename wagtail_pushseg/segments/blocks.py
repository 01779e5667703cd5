"""The rule blocks editors build segments from, without code, and the groups that nest them.

Measurable rules (in :mod:`.rule_blocks`) turn a measure into a degree with "starts counting at"
and "fully counts at"; the device and place rules here are plain yes/no. Groups combine rules with
all / any / none and nest three levels deep (StreamField needs a fixed depth, so each level is its
own block definition). The stored JSON is read by :func:`.rules.rule_tree`.
"""

import functools
import re
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from ..subscribers import user_agent
from . import rule_blocks as behaviour
from .block_fields import RuleBlock, SegmentChooserBlock, TextListBlock
from .rules import ALL, ANY, NONE


#: Group levels below the segment's own list of rules.
MAX_DEPTH = 3

#: The names ``subscribers.user_agent`` gives browsers and platforms.
BROWSERS = [name for name, _pattern in user_agent._BROWSERS] + ["Other"]
PLATFORMS = [name for name, _pattern in user_agent._PLATFORMS]
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8}){0,3}$", re.IGNORECASE)


@functools.cache
def _zone_names() -> frozenset[str]:
    names = {z.lower() for z in zoneinfo.available_timezones()}
    regions = {"/".join(n.split("/")[:i]) for n in names for i in range(1, n.count("/") + 1)}
    return frozenset(names | regions)


class _ValuesBlock(RuleBlock):
    """A yes/no rule over a list of values held in the field ``values_field``."""

    #: The child block holding the values.
    values_field = ""
    #: What an editor reads when no value is given.
    empty_message = _("Add at least one value.")

    def validate(self, value, errors: dict[str, Any]) -> None:
        values = value.get(self.values_field) or []
        if not values:
            errors[self.values_field] = self.empty_message
            return
        message = self.check_values(values)
        if message:
            errors[self.values_field] = message

    def check_values(self, values: list[str]):
        return None


class BrowserBlock(_ValuesBlock):
    browsers = blocks.MultipleChoiceBlock(
        label=_("Browsers"), choices=[(b, b) for b in BROWSERS], required=False
    )
    values_field = "browsers"
    empty_message = _("Choose at least one browser.")

    class Meta:
        label = _("Browser")
        icon = "desktop"
        group = _("Device and place")
        help_text = _("Subscribed with one of these browsers: counts fully, or not at all.")


class PlatformBlock(_ValuesBlock):
    platforms = blocks.MultipleChoiceBlock(
        label=_("Platforms"), choices=[(p, p) for p in PLATFORMS], required=False
    )
    values_field = "platforms"
    empty_message = _("Choose at least one platform.")

    class Meta:
        label = _("Platform")
        icon = "mobile-alt"
        group = _("Device and place")
        help_text = _("Subscribed on one of these systems: counts fully, or not at all.")


class LanguageBlock(_ValuesBlock):
    languages = TextListBlock(
        label=_("Languages"), required=False,
        help_text=_("Language codes separated by commas: de matches de-DE and de-AT too."),
    )
    values_field = "languages"
    empty_message = _("Add at least one language code, such as de or en-GB.")

    class Meta:
        label = _("Language")
        icon = "globe"
        group = _("Device and place")
        help_text = _("The browser's language is one of these: counts fully, or not at all.")

    def check_values(self, values: list[str]):
        wrong = [v for v in values if not _LANGUAGE.match(v)]
        if wrong:
            return format_lazy(
                _("“{value}” is not a language code. Use codes such as de, en-GB or pt-BR."),
                value=wrong[0],
            )
        return None


class TimeZoneBlock(_ValuesBlock):
    zones = TextListBlock(
        label=_("Time zones or regions"), required=False,
        help_text=_("Separated by commas: Europe/Berlin for one zone, Europe/ for a region."),
    )
    values_field = "zones"
    empty_message = _("Add at least one time zone or region, such as Europe/.")

    class Meta:
        label = _("Time zone or region")
        icon = "site"
        group = _("Device and place")
        help_text = _("The browser's time zone is one of these: counts fully, or not at all.")

    def check_values(self, values: list[str]):
        wrong = [v for v in values if v.lower().rstrip("/") not in _zone_names()]
        if wrong:
            return format_lazy(
                _("No time zone is called or starts with “{value}”. Use names such as "
                  "Europe/Berlin, or a region such as Europe/."),
                value=wrong[0],
            )
        return None


class MemberOfBlock(RuleBlock):
    segment = SegmentChooserBlock(label=_("Segment"))

    class Meta:
        label = _("Member of another segment")
        icon = "group"
        group = _("Segments")
        help_text = _(
            "Counts as strongly as the subscriber belongs to that segment (as of its last "
            "refresh); not a member: does not count."
        )


def rule_blocks() -> list[tuple[str, blocks.Block]]:
    """Fresh instances of every rule block, named as they are stored."""
    return [
        ("tag_interest", behaviour.TagInterestBlock()),
        ("custom_event", behaviour.CustomEventBlock()),
        ("visit_regularity", behaviour.VisitRegularityBlock()),
        ("recent_visit", behaviour.RecentVisitBlock()),
        ("lapsed", behaviour.LapsedBlock()),
        ("sale_share", behaviour.SaleShareBlock()),
        ("click_through", behaviour.ClickThroughBlock()),
        ("clicked_recently", behaviour.ClickedRecentlyBlock()),
        ("ignored_pushes", behaviour.IgnoredPushesBlock()),
        ("subscription_age", behaviour.SubscriptionAgeBlock()),
        ("browser", BrowserBlock()),
        ("platform", PlatformBlock()),
        ("language", LanguageBlock()),
        ("time_zone", TimeZoneBlock()),
        ("member_of", MemberOfBlock()),
    ]


def _children(levels_below: int) -> list[tuple[str, blocks.Block]]:
    children = rule_blocks()
    if levels_below > 0:
        children.append(("group", GroupBlock(levels_below)))
    return children


class GroupBlock(blocks.StructBlock):
    """Rules combined: all (the weakest counts), any (the strongest), none (1 − the strongest).

    ``depth`` is how many group levels this one and those inside it may still use.
    """

    def __init__(self, depth: int = MAX_DEPTH, **kwargs):
        super().__init__([
            ("match", blocks.ChoiceBlock(
                label=_("Match"), default=ALL, required=True,
                choices=[(ALL, _("all of these rules")), (ANY, _("any of these rules")),
                         (NONE, _("none of these rules"))],
                help_text=_("All: the weakest rule decides. Any: the strongest decides. None: "
                            "the stronger any rule, the less this counts."),
            )),
            ("rules", blocks.StreamBlock(_children(depth - 1), required=False)),
        ], **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not len(value.get("rules") or []):
            raise StructBlockValidationError(block_errors={"rules": ValidationError(
                _("Add at least one rule to this group, or remove the group.")
            )})
        return value

    class Meta:
        label = _("Group of rules")
        icon = "folder-open-inverse"
        group = _("Groups")
        help_text = _(
            "Combines the rules inside it: all of them, any of them, or none of them. Groups "
            "can hold groups, three levels deep."
        )


class SegmentRulesBlock(blocks.StreamBlock):
    """A segment's rules: a subscriber must match all of them (use groups for any / none)."""

    def __init__(self, **kwargs):
        super().__init__(_children(MAX_DEPTH), **kwargs)

    def clean(self, value):
        if not len(value):
            raise blocks.StreamBlockValidationError(non_block_errors=[ValidationError(
                _("Add at least one rule: a segment without rules has no members.")
            )])
        return super().clean(value)
