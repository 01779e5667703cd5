"""Device and place: yes/no rules over the subscriber's browser, platform, language and zone."""

import functools
import zoneinfo
from dataclasses import dataclass
from typing import Any, ClassVar

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from ...subscribers import user_agent
from ...validation import LANGUAGE_TAG
from ..block_fields import RuleBlock, TextListBlock
from ..registry import rule_kinds
from .base import AttributeRule, PrefixAttributeRule


#: The names ``subscribers.user_agent`` gives browsers and platforms.
BROWSERS = [name for name, _pattern in user_agent._BROWSERS] + ["Other"]
PLATFORMS = [name for name, _pattern in user_agent._PLATFORMS]


@functools.cache
def _zone_names() -> frozenset[str]:
    names = {z.lower() for z in zoneinfo.available_timezones()}
    regions = {"/".join(n.split("/")[:i]) for n in names for i in range(1, n.count("/") + 1)}
    return frozenset(names | regions)


class ValuesBlock(RuleBlock):
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


class BrowserBlock(ValuesBlock):
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


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class Browser(AttributeRule):
    kind: ClassVar[str] = "browser"
    block = BrowserBlock
    field: ClassVar[str] = "browser"
    values_field: ClassVar[str] = "browsers"
    noun = _("browser")


class PlatformBlock(ValuesBlock):
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


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class Platform(AttributeRule):
    kind: ClassVar[str] = "platform"
    block = PlatformBlock
    field: ClassVar[str] = "platform"
    values_field: ClassVar[str] = "platforms"
    noun = _("platform")


class LanguageBlock(ValuesBlock):
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
        wrong = [v for v in values if not LANGUAGE_TAG.match(v)]
        if wrong:
            return format_lazy(
                _("“{value}” is not a language code. Use codes such as de, en-GB or pt-BR."),
                value=wrong[0],
            )
        return None


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class Language(PrefixAttributeRule):
    """Language tags by prefix, case-insensitive: ``de`` matches ``de``, ``de-DE``, ``de-AT``."""

    kind: ClassVar[str] = "language"
    block = LanguageBlock
    field: ClassVar[str] = "language"
    values_field: ClassVar[str] = "languages"
    separator: ClassVar[str] = "-"
    noun = _("language")


class TimeZoneBlock(ValuesBlock):
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


@rule_kinds.register
@dataclass(frozen=True, kw_only=True)
class TimeZone(PrefixAttributeRule):
    """IANA zones, case-insensitive: ``europe`` (an editor may type ``Europe/``) matches every
    European zone, ``europe/berlin`` only Berlin."""

    kind: ClassVar[str] = "time_zone"
    block = TimeZoneBlock
    field: ClassVar[str] = "timezone"
    values_field: ClassVar[str] = "zones"
    separator: ClassVar[str] = "/"
    noun = _("time zone")
