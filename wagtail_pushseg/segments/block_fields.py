"""What the rule blocks are made of: lists typed as text, the site's tags, a segment, the two
numbers of a ramp, and the base classes that check a rule as a whole."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise, cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from taggit.utils import parse_tags
from wagtail import blocks
from wagtail.admin.widgets import AdminTagWidget
from wagtail.blocks.struct_block import StructBlockValidationError


#: A label an editor reads: plain or ``gettext_lazy``.
if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # the stubs' own name for a lazy str
else:
    StrOrPromise = str | Promise


class TextListBlock(blocks.FieldBlock):
    """A list of short strings, typed as one line separated by commas; stored as a JSON list."""

    def __init__(self, required: bool = True, help_text: StrOrPromise | None = None, **kwargs):
        self.field = forms.CharField(
            required=required, help_text=help_text or "", widget=self.make_widget(),
            max_length=2000,
        )
        super().__init__(**kwargs)

    def make_widget(self) -> forms.Widget:
        return forms.TextInput()

    def split(self, text: str) -> list[str]:
        return [part.strip() for part in text.split(",") if part.strip()]

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, str):
            return self.split(value)
        return [str(v) for v in value or ()]

    def get_prep_value(self, value: Any) -> list[str]:
        return self.to_python(value)

    def value_for_form(self, value: Any) -> str:
        return ", ".join(self.to_python(value))

    def value_from_form(self, value: Any) -> list[str]:
        return self.to_python(value or "")

    def get_form_state(self, value: Any) -> str:
        return self.value_for_form(value)

    def get_searchable_content(self, value: Any) -> list[str]:
        return []

    class Meta:
        default: list = []


class TagsBlock(TextListBlock):
    """Tags chosen from the site's taggit tags (with autocomplete), or typed freely; stored
    lower-cased, as page views record them."""

    def make_widget(self) -> forms.Widget:
        return AdminTagWidget()

    def split(self, text: str) -> list[str]:
        return sorted({tag.strip().lower() for tag in parse_tags(text) if tag.strip()})

    def value_for_form(self, value: Any) -> str:
        names = self.to_python(value)
        return ", ".join(f'"{n}"' if ("," in n or " " in n) else n for n in names)


class SegmentChooserBlock(blocks.ChooserBlock):
    """Another segment, picked from a drop-down (no snippet chooser needed)."""

    target_model = "wagtail_pushseg.Segment"

    @cached_property
    def widget(self) -> forms.Widget:
        return forms.Select()

    @cached_property
    def field(self) -> forms.ModelChoiceField:
        return forms.ModelChoiceField(
            queryset=self.model_class.objects.order_by("name"),
            widget=self.widget,
            required=self._required,
            help_text=self._help_text,
            empty_label=_("Choose a segment"),
            error_messages={
                "invalid_choice": _("That segment no longer exists. Choose another one."),
                # A deleted segment reaches the form as "nothing chosen".
                "required": _("Choose a segment: none is chosen, or the chosen one no longer "
                              "exists."),
            },
        )

    def get_form_state(self, value: Any) -> Any:
        return blocks.FieldBlock.get_form_state(self, value)

    class Meta:
        icon = "group"


def ramp_fields(unit: StrOrPromise, start: float, full: float) -> tuple[blocks.FloatBlock, ...]:
    """The two numbers that map a measure to a degree, worded for editors (``unit`` names
    what is counted, e.g. "weeks")."""
    return (
        blocks.FloatBlock(
            label=_("Starts counting at"), default=start,
            help_text=format_lazy(_("In {unit}. Up to here the rule does not count."), unit=unit),
        ),
        blocks.FloatBlock(
            label=_("Fully counts at"), default=full,
            help_text=format_lazy(
                _("In {unit}. From here the rule counts fully, in between partly. The same "
                  "number twice is a hard cut-off."),
                unit=unit,
            ),
        ),
    )


class RuleBlock(blocks.StructBlock):
    """A rule: its fields' own checks first, then :meth:`validate` for the rule as a whole."""

    def clean(self, value):
        value = super().clean(value)
        errors: dict[str, Any] = {}
        self.validate(value, errors)
        if errors:
            raise StructBlockValidationError(
                block_errors={name: ValidationError(message) for name, message in errors.items()}
            )
        return value

    def validate(self, value, errors: dict[str, Any]) -> None:
        """Add ``{field name: message}`` for each problem an editor must fix."""


class MeasureBlock(RuleBlock):
    """A rule with a ramp (``starts_at``, ``full_at``), both numbers at least 0."""

    #: Largest sensible ramp number (100 for percentages), or None.
    maximum: float | None = None
    #: Message when a number is above the maximum.
    too_large = _("That is more than this measure can be.")

    def limit(self, value) -> float | None:
        return self.maximum

    def validate(self, value, errors: dict[str, Any]) -> None:
        limit = self.limit(value)
        for name in ("starts_at", "full_at"):
            number = value.get(name)
            if number is not None and number < 0:
                errors[name] = _("Use 0 or more: this measure is never negative.")
            elif number is not None and limit is not None and number > limit:
                errors[name] = self.too_large
