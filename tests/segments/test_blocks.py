"""The rule blocks: what editors can build, and the messages they get for nonsense."""

import json

import pytest
from django.core.exceptions import ValidationError
from wagtail.admin.panels import ObjectList
from wagtail.blocks import StreamBlockValidationError

from wagtail_pushseg.models import Segment
from wagtail_pushseg.segments.blocks import MAX_DEPTH, GroupBlock, SegmentRulesBlock, rule_blocks
from wagtail_pushseg.segments.parse import rule_tree
from wagtail_pushseg.segments.registry import rule_kinds

from .conftest import block, group, make_segment


pytestmark = pytest.mark.django_db


def _strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return []


def errors_for(*items: dict) -> list[str]:
    """The messages an editor would see for these rules ([] when they are fine)."""
    stream = SegmentRulesBlock()
    try:
        stream.clean(stream.to_python(list(items)))
    except StreamBlockValidationError as error:
        return _strings(error.as_json_data())
    return []


def test_every_rule_type_is_a_block_with_help_for_editors():
    names = [name for name, _ in rule_blocks()]
    assert names == rule_kinds.names()
    for name, rule in rule_blocks():
        assert str(rule.meta.help_text), name
        assert str(rule.meta.label), name


def test_groups_nest_three_levels_deep_and_no_deeper():
    stream = SegmentRulesBlock()
    level = stream.child_blocks["group"]
    for _ in range(MAX_DEPTH - 1):
        level = level.child_blocks["rules"].child_blocks["group"]
    assert "group" not in level.child_blocks["rules"].child_blocks
    assert isinstance(level, GroupBlock)


def test_sensible_rules_have_no_errors():
    assert errors_for(
        block("tag_interest", tags=["laptops"], match="any", starts_at=1, full_at=3),
        block("visit_regularity", weeks=8, starts_at=2, full_at=6),
        block("recent_visit", starts_at=30, full_at=7),
        block("sale_share", starts_at=30, full_at=60),
        block("custom_event", event="add_to_cart", days=30, starts_at=2, full_at=2),
        block("language", languages=["de", "en-GB"]),
        block("time_zone", zones=["Europe/", "America/New_York"]),
        group("any", block("browser", browsers=["Firefox"]),
              group("none", group("all", block("platform", platforms=["iOS"])))),
    ) == []


@pytest.mark.parametrize("item, message", [
    (block("visit_regularity", weeks=0, starts_at=0, full_at=0), "Look back at least 1 week."),
    (block("visit_regularity", weeks=60, starts_at=2, full_at=6), "look back 53 weeks or fewer"),
    (block("visit_regularity", weeks=8, starts_at=2, full_at=9),
     "That is more weeks than are looked at."),
    (block("custom_event", event="purchase", days=0, starts_at=1, full_at=1),
     "Look back at least 1 day."),
    (block("custom_event", event="purchase", days=400, starts_at=1, full_at=1),
     "Events are kept for 180 days"),
    (block("custom_event", event="Buy now!", days=30, starts_at=1, full_at=1),
     "lower-case letters, digits, - and _"),
    (block("lapsed", starts_at=-5, full_at=30), "Use 0 or more"),
    (block("recent_visit", starts_at=30, full_at=-1), "Use 0 or more"),
    (block("sale_share", starts_at=30, full_at=120), "A share is at most 100 %."),
    (block("click_through", starts_at=101, full_at=20), "A share is at most 100 %."),
    (block("tag_interest", tags=[], match="any", starts_at=1, full_at=3),
     "Choose at least one tag."),
    (block("browser", browsers=[]), "Choose at least one browser."),
    (block("language", languages=["german"]), "“german” is not a language code"),
    (block("time_zone", zones=["Europa/"]), "No time zone is called or starts with “Europa/”"),
    (block("member_of", segment=None), "Choose a segment"),
    (block("member_of", segment=424242), "the chosen one no longer exists"),
    (group("any"), "Add at least one rule to this group, or remove the group."),
])
def test_nonsense_gets_a_message_an_editor_understands(item, message):
    found = errors_for(item)
    assert any(message in text for text in found), found


def test_a_segment_needs_at_least_one_rule():
    assert any("a segment without rules has no members" in m for m in errors_for())


def test_tags_are_stored_lower_cased_and_shown_as_text():
    stream = SegmentRulesBlock()
    tags_block = stream.child_blocks["tag_interest"].child_blocks["tags"]
    assert tags_block.value_from_form('Laptops, "home office", laptops') == ["home office",
                                                                                "laptops"]
    assert tags_block.value_for_form(["home office", "laptops"]) == '"home office", laptops'
    value = stream.to_python([block("tag_interest", tags=["tv"], starts_at=1, full_at=2)])
    assert json.loads(json.dumps(stream.get_prep_value(value)))[0]["value"]["tags"] == ["tv"]


def test_segment_threshold_is_above_0_and_at_most_1():
    for bad in (0, -0.1, 1.01):
        segment = Segment(name="S", rules=[block("browser", browsers=["Firefox"])],
                          threshold=bad)
        with pytest.raises(ValidationError) as error:
            segment.full_clean()
        assert "threshold" in error.value.message_dict
    Segment(name="S", rules=[block("browser", browsers=["Firefox"])], threshold=1).full_clean()


def test_slug_is_made_from_the_name():
    assert make_segment([block("browser", browsers=["Firefox"])], name="Bargain hunters").slug \
        == "bargain-hunters"


def test_a_segment_cannot_use_itself():
    segment = make_segment([block("browser", browsers=["Firefox"])], name="Loyal")
    segment.rules = [block("member_of", segment=segment.pk)]
    with pytest.raises(ValidationError) as error:
        segment.full_clean()
    assert "can't be built on itself" in " ".join(error.value.message_dict["rules"])


def test_cycles_between_segments_are_refused_with_their_names():
    a = make_segment([block("browser", browsers=["Firefox"])], name="Alpha")
    b = make_segment([block("member_of", segment=a.pk)], name="Beta")
    c = make_segment([block("member_of", segment=b.pk)], name="Gamma")
    a.rules = [group("any", block("member_of", segment=c.pk))]
    with pytest.raises(ValidationError) as error:
        a.full_clean()
    text = " ".join(error.value.message_dict["rules"])
    assert "“Alpha” → “Gamma” → “Beta” → “Alpha”" in text
    c.rules = [block("member_of", segment=a.pk)]
    c.full_clean()  # Gamma on Alpha is fine while Alpha is not on Gamma


def test_panels_build_an_edit_form_for_every_field():
    segment = make_segment([block("tag_interest", tags=["tv"], starts_at=1, full_at=2)])
    edit_handler = ObjectList(Segment.panels).bind_to_model(Segment)
    form_class = edit_handler.get_form_class()
    assert {"name", "slug", "description", "rules", "threshold", "active"} <= set(
        form_class.base_fields
    )
    form = form_class(instance=segment)
    html = form["rules"].as_widget()
    assert "tag_interest" in html


def test_rule_tree_reads_a_saved_segment_and_a_stream_value():
    segment = make_segment([block("member_of", segment=5), block("lapsed", starts_at=30,
                                                                   full_at=60)])
    segment.refresh_from_db()
    tree = rule_tree(segment)
    assert [type(n).__name__ for n in tree.children] == ["MemberOf", "Lapsed"]
    assert segment.depends_on() == {5}
    assert rule_tree(segment.rules) == tree
