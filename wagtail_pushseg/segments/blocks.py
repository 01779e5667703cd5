"""The segment's rules as StreamField blocks: one block per registered rule kind, and the groups
that nest them.

Each rule kind brings its own block (``Rule.block``, see :mod:`.kinds`): measurable rules turn a
measure into a degree with "starts counting at" and "fully counts at"; the device and place
rules are plain yes/no. Groups combine rules with all / any / none and nest three levels deep
(StreamField needs a fixed depth, so each level is its own block definition). The stored JSON
is read by :func:`.parse.rule_tree`.

The kinds are read from the registry when a block is made, not when this module is imported:
the ``Segment`` model hands its StreamField the class :class:`SegmentRulesBlock`, which Wagtail
instantiates on first use, once the app has registered its kinds.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from .registry import rule_kinds
from .rules import ALL, ANY, NONE


#: Group levels below the segment's own list of rules.
MAX_DEPTH = 3


def rule_blocks() -> list[tuple[str, blocks.Block]]:
    """Fresh instances of every registered rule kind's block, named as they are stored."""
    return [(kind.kind, kind.block()) for kind in rule_kinds]


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
