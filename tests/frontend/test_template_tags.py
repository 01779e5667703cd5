import json
import re

import pytest
from django.template import Context, Template
from django.test.html import Element, parse_html
from django.urls import reverse

from wagtail_pushseg.conf import pushseg_settings


def render(source: str, context: dict | None = None) -> str:
    return Template("{% load pushseg_tags %}" + source).render(Context(context or {}))


def config_from(html: str) -> dict:
    match = re.search(
        r'<script id="pushseg-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, html
    return json.loads(match.group(1))


def find(node, name: str, **attrs) -> list[Element]:
    """``node`` and elements below it with that tag name and those attribute values (None: any
    value). ``parse_html`` returns a lone element itself, several inside a nameless root."""
    if not isinstance(node, Element):
        return []
    have = dict(node.attributes)
    found = []
    if node.name == name and all(
        k in have and (v is None or have[k] == v) for k, v in attrs.items()
    ):
        found.append(node)
    for child in node.children:
        found.extend(find(child, name, **attrs))
    return found


def with_pushseg(settings, **values) -> None:
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, **values}


# ---------------------------------------------------------------- {% pushseg_scripts %}


def test_scripts_config_carries_urls_and_vapid_key_from_settings():
    html = render("{% pushseg_scripts %}")
    config = config_from(html)
    assert config == {
        "vapidPublicKey": pushseg_settings.VAPID_PUBLIC_KEY,
        "subscribeUrl": reverse("wagtail_pushseg:subscribe"),
        "unsubscribeUrl": reverse("wagtail_pushseg:unsubscribe"),
        "vapidPublicKeyUrl": reverse("wagtail_pushseg:vapid_public_key"),
        "trackUrl": reverse("wagtail_pushseg:track"),
        "serviceWorkerUrl": "/pushseg-sw.js",
        "serviceWorkerScope": "/",
        "promptAfterPageViews": 3,
        "promptSnoozeDays": 30,
        "pageId": None,
        "reportPageViews": False,
    }
    assert config["vapidPublicKey"]  # the test settings generate a real key


def test_scripts_follow_settings_overrides(settings):
    with_pushseg(
        settings,
        VAPID_PUBLIC_KEY="BOverridden",
        PROMPT_AFTER_PAGE_VIEWS=0,
        PROMPT_SNOOZE_DAYS=7,
        SERVICE_WORKER_URL="/custom-sw.js",
        TRACK_PAGE_VIEWS=False,
    )
    config = config_from(render("{% pushseg_scripts %}"))
    assert config["vapidPublicKey"] == "BOverridden"
    assert config["promptAfterPageViews"] == 0
    assert config["promptSnoozeDays"] == 7
    assert config["serviceWorkerUrl"] == "/custom-sw.js"
    assert config["reportPageViews"] is True


def test_scripts_config_cannot_break_out_of_its_script_element(settings):
    hostile = '</script><script>alert("x")</script>'
    with_pushseg(settings, VAPID_PUBLIC_KEY=hostile)
    html = render("{% pushseg_scripts %}")
    assert "<script>alert" not in html
    assert config_from(html)["vapidPublicKey"] == hostile


def test_scripts_link_the_stylesheet_and_defer_the_script():
    html = render("{% pushseg_scripts %}")
    dom = parse_html(html)
    assert find(dom, "link", rel="stylesheet", href="/static/wagtail_pushseg/pushseg.css")
    [script] = find(dom, "script", src="/static/wagtail_pushseg/pushseg.js")
    assert "defer" in dict(script.attributes)


def test_scripts_can_leave_the_styling_to_the_site():
    html = render("{% pushseg_scripts css=False %}")
    assert "pushseg.css" not in html
    assert "pushseg.js" in html


@pytest.mark.django_db
def test_scripts_pass_the_wagtail_page_id_from_the_context():
    from wagtail.models import Page

    page = Page.objects.filter(depth=2).first() or Page.objects.get(depth=1)
    assert config_from(render("{% pushseg_scripts %}", {"page": page}))["pageId"] == page.pk
    explicit = render("{% pushseg_scripts page=other %}", {"page": "not a page", "other": page})
    assert config_from(explicit)["pageId"] == page.pk
    assert config_from(render("{% pushseg_scripts %}", {"page": "not a page"}))["pageId"] is None


# ---------------------------------------------------------------- {% pushseg_prompt %}


def test_prompt_is_an_accessible_hidden_dialog_in_the_sites_words():
    dom = parse_html(render("{% pushseg_prompt %}"))
    [dialog] = find(dom, "div", role="dialog")
    attrs = dict(dialog.attributes)
    assert "hidden" in attrs and "data-pushseg-prompt" in attrs
    [title] = find(dom, "h2", id=attrs["aria-labelledby"])
    [text] = find(dom, "p", id=attrs["aria-describedby"])
    assert title.children == [pushseg_settings.PROMPT_TITLE]
    assert text.children == [pushseg_settings.PROMPT_TEXT]
    [accept] = find(dom, "button", **{"data-pushseg-accept": None})
    declines = find(dom, "button", **{"data-pushseg-decline": None})
    assert accept.children == ["Yes, notify me"]
    assert next(d.children for d in declines) == ["Not now"]
    assert all(dict(b.attributes)["type"] == "button" for b in [accept, *declines])
    # The close button is labelled for screen readers.
    assert any(dict(b.attributes).get("aria-label") == "Close" for b in declines)


def test_prompt_words_come_from_settings(settings):
    with_pushseg(
        settings,
        PROMPT_TITLE="Stay in the loop",
        PROMPT_TEXT="One push per new recipe.",
        PROMPT_ACCEPT="Sure",
        PROMPT_DECLINE="Maybe later",
    )
    html = render("{% pushseg_prompt %}")
    for words in ("Stay in the loop", "One push per new recipe.", "Sure", "Maybe later"):
        assert words in html
    assert "Get notified about new content?" not in html


def test_prompt_words_can_be_overridden_in_the_template():
    html = render(
        "{% pushseg_prompt title=t text='Only big news.' accept='OK' decline='No' %}",
        {"t": "Breaking news alerts"},
    )
    for words in ("Breaking news alerts", "Only big news.", ">OK<", ">No<"):
        assert words in html


def test_prompt_escapes_the_sites_words(settings):
    with_pushseg(settings, PROMPT_TITLE="<script>alert(1)</script>", PROMPT_TEXT="Tom & Jerry")
    html = render("{% pushseg_prompt %}")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Tom &amp; Jerry" in html


def test_prompt_without_text_describes_nothing(settings):
    with_pushseg(settings, PROMPT_TEXT="")
    dom = parse_html(render("{% pushseg_prompt %}"))
    [dialog] = find(dom, "div", role="dialog")
    assert "aria-describedby" not in dict(dialog.attributes)
    assert not find(dom, "p")


def test_prompt_escapes_words_passed_as_variables():
    html = render("{% pushseg_prompt title=t %}", {"t": "<img src=x onerror=alert(1)>"})
    assert "<img" not in html


# ---------------------------------------------------------------- {% pushseg_button %}


def test_button_is_a_hidden_toggle_with_both_labels():
    dom = parse_html(render("{% pushseg_button %}"))
    [button] = find(dom, "button", **{"data-pushseg-toggle": None})
    attrs = dict(button.attributes)
    assert attrs["type"] == "button"
    assert "hidden" in attrs  # shown by the script only where push works
    assert attrs["aria-pressed"] == "false"
    assert attrs["data-pushseg-label-subscribe"] == "Get notifications"
    assert attrs["data-pushseg-label-unsubscribe"] == "Stop notifications"
    assert button.children == ["Get notifications"]


def test_button_labels_and_class_can_be_set():
    html = render(
        "{% pushseg_button subscribe_label='Alert me' unsubscribe_label=off css_class='btn' %}",
        {"off": 'No more "alerts"'},
    )
    [button] = find(parse_html(html), "button")
    attrs = dict(button.attributes)
    assert set(attrs["class"].split()) == {"pushseg-button", "btn"}
    assert attrs["data-pushseg-label-subscribe"] == "Alert me"
    assert attrs["data-pushseg-label-unsubscribe"] == 'No more "alerts"'
    assert "&quot;alerts&quot;" in html
