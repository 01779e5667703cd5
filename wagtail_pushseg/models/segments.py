"""Segments (fuzzy rules over subscribers) and their stored memberships."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.blocks import StreamBlockValidationError
from wagtail.fields import StreamField

from ..segments.blocks import SegmentRulesBlock
from ..segments.graph import dependency_error
from ..segments.parse import rule_tree
from ..segments.rules import Group
from .subscribers import Subscriber


def validate_threshold(value: float) -> None:
    """A threshold is above 0 (0 would make everybody a member) and at most 1."""
    if not 0 < value <= 1:
        raise ValidationError(
            _("Use a number above 0 and at most 1: 0.5 means “counts at least half”."),
            code="threshold",
        )


class Segment(models.Model):
    """A named group of subscribers defined by fuzzy rules.

    Every rule gives a subscriber a degree in [0, 1]; the rules combine with all (min), any (max)
    and none (1 − max). Subscribers whose degree reaches ``threshold`` are members: their degree
    is stored in :class:`Membership` by ``segments.refresh``, which also keeps ``member_count``
    and ``last_refreshed_at``.
    """

    name = models.CharField(_("name"), max_length=100)
    #: Stable identifier for code and URLs; made from the name when left empty.
    slug = models.SlugField(
        _("slug"), max_length=100, unique=True, blank=True,
        help_text=_("A short name for links and code; made from the name when left empty."),
    )
    description = models.TextField(
        _("description"), blank=True,
        help_text=_("Who this segment is for, in a sentence, for other editors."),
    )
    # The class, not an instance: Wagtail makes the block on first use, once the rule kinds
    # are registered (segments.registry).
    rules = StreamField(
        SegmentRulesBlock, verbose_name=_("rules"),
        help_text=_("A subscriber must match all of these; use a group for “any” or “none”."),
    )
    threshold = models.FloatField(
        _("threshold"), default=0.5, validators=[validate_threshold],
        help_text=_(
            "How strongly a subscriber must match to be a member, from just above 0 to 1 "
            "(1: every rule fully)."
        ),
    )
    #: Inactive segments are not refreshed on schedule nor offered for campaigns.
    active = models.BooleanField(
        _("active"), default=True,
        help_text=_("Inactive segments keep their rules but are not refreshed or offered."),
    )
    last_refreshed_at = models.DateTimeField(_("last refreshed"), null=True, blank=True)
    member_count = models.PositiveIntegerField(_("members"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("rules"),
        FieldPanel("threshold"),
        FieldPanel("active"),
        FieldPanel("member_count", read_only=True),
        FieldPanel("last_refreshed_at", read_only=True),
    ]

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold__gt=0) & models.Q(threshold__lte=1),
                name="pushseg_segment_threshold_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:100] or "segment"
        super().save(*args, **kwargs)

    def rule_tree(self) -> Group:
        """The rules as plain data (:class:`wagtail_pushseg.segments.rules.Group`)."""
        return rule_tree(self.rules)

    def depends_on(self) -> set[int]:
        """Ids of the segments whose memberships these rules read."""
        return self.rule_tree().segment_ids()

    def clean_fields(self, exclude=None) -> None:
        """Field checks, plus the rule blocks' own checks and refused cycles for ``rules``
        (model validation does not run StreamField blocks' ``clean`` by itself)."""
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "rules" not in (exclude or ()) and "rules" not in errors:
            message = self._rules_error()
            if message:
                errors["rules"] = message
        if errors:
            raise ValidationError(errors)

    def _rules_error(self):
        try:
            self.rules.stream_block.clean(self.rules)
        except StreamBlockValidationError as error:
            return [str(m) for m in _messages(error.as_json_data())]
        return dependency_error(self)


def _messages(data) -> list[str]:
    """Every message in a block error's JSON form, flattened for a plain field error."""
    if isinstance(data, str):
        return [data]
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return [m for value in values for m in _messages(value)]


class Membership(models.Model):
    """A subscriber whose degree in a segment reaches its threshold, with that degree.

    Written set-wise by ``segments.refresh``: ``entered_at`` is kept while the subscriber stays a
    member, ``updated_at`` is when the degree last changed.
    """

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("segment"), db_index=False,  # the unique constraint leads with it
    )
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="segment_memberships",
        verbose_name=_("subscriber"),
    )
    degree = models.FloatField(_("degree"))
    entered_at = models.DateTimeField(_("member since"))
    updated_at = models.DateTimeField(_("degree changed"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "subscriber"], name="pushseg_membership_unique"
            )
        ]
        indexes = [models.Index(fields=["segment", "degree"], name="pushseg_membership_degree")]

    def __str__(self) -> str:
        return f"{self.subscriber_id} in {self.segment_id}: {self.degree:.2f}"
