"""Every admin URL of the plugin, as a logged-in editor without the plugin's permissions:
403 or a redirect away (to the login or the admin home), never the plugin's data; and a POST
changes nothing."""

import json
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.models import Campaign, CampaignTarget, Segment, Subscriber

from .admin_urls import make_suggestion, plugin_admin_urls


pytestmark = pytest.mark.django_db

ENDPOINT = "https://fcm.googleapis.com/fcm/send/walker-endpoint-zq81"
SEGMENT = "Walker segment Zebrafinch"
CAMPAIGN = "Walker campaign Quokka"
SUGGESTION = "Walker suggestion Numbat"
#: Strings that only the plugin's own pages could show.
SECRETS = (ENDPOINT, "walker-endpoint-zq81", "walker-visitor-77x", SEGMENT, CAMPAIGN,
           "Walker body Wombat", SUGGESTION, "Walker explanation Wombat")


@pytest.fixture
def objects(pages):
    subscriber = Subscriber.objects.create(
        endpoint=ENDPOINT, p256dh="p" * 87, auth="a" * 22, visitor_id="walker-visitor-77x",
        language="de-DE",
    )
    segment = make_segment([block("language", languages=["de"])], name=SEGMENT)
    campaign = Campaign.objects.create(title=CAMPAIGN, body="Walker body Wombat",
                                       page=pages["offer"])
    CampaignTarget.objects.create(campaign=campaign, segment=segment, sort_order=0)
    suggestion = make_suggestion(SUGGESTION, "Walker explanation Wombat")
    return {"subscriber": subscriber, "segment": segment, "campaign": campaign,
            "page": pages["offer"], "suggestion": suggestion}


@pytest.fixture
def plain_editor(editor):
    """The ``editor`` fixture, with the plugin's default grants to the Editors group (compose
    campaigns) taken away in this test's database, so it holds none of the plugin's rights."""
    Group.objects.get(name="Editors").permissions.remove(
        *Permission.objects.filter(content_type__app_label="wagtail_pushseg")
    )
    editor = type(editor).objects.get(pk=editor.pk)  # drop the cached permissions
    assert not [p for p in editor.get_all_permissions() if p.startswith("wagtail_pushseg.")]
    assert editor.has_perm("wagtailadmin.access_admin")
    return editor


def query(objects) -> str:
    """Parameters some views read (choosers, previews) pointing at the real objects."""
    seg, page = objects["segment"].pk, objects["page"].pk
    return f"?id={seg}&segment={seg}&segments={seg}&targets={seg}&page={page}&q=Walker"


def snapshot() -> str:
    """Everything a refused POST must leave as it was."""
    return json.dumps([
        list(Subscriber.objects.order_by("pk").values_list("pk", "status", "language")),
        list(Segment.objects.order_by("pk").values_list("pk", "name", "threshold")),
        list(Campaign.objects.order_by("pk").values_list("pk", "title", "status")),
        CampaignTarget.objects.count(),
    ], default=str)


def assert_refused(response, url: str, method: str) -> None:
    where = f"{method} {url}"
    if response.status_code == 302:
        target = urlsplit(response["Location"]).path
        allowed = {reverse("wagtailadmin_home"), reverse("wagtailadmin_login")}
        assert target in allowed, f"{where} redirected to {target}, not the login or admin home"
    else:
        assert response.status_code in (403, 405), f"{where} answered {response.status_code}"
    body = response.content.decode("utf-8", "replace")
    leaked = [s for s in SECRETS if s in body]
    assert not leaked, f"{where} showed {leaked}"


def test_the_walker_finds_the_plugins_admin_views():
    names = {f"{u.namespace}:{u.name}" for u in plugin_admin_urls()}
    # A few known ones, so a broken walk cannot pass by finding nothing.
    assert {"wagtail_pushseg_subscribers:inspect", "wagtail_pushseg_segments:members",
            "wagtail_pushseg_campaigns:send", "wagtail_pushseg_campaigns:audience_preview",
            } <= names
    assert len(names) >= 40


def test_every_plugin_admin_url_refuses_an_editor_without_its_permissions(
    client, plain_editor, objects
):
    client.force_login(plain_editor)
    before = snapshot()
    checked = 0
    for admin_url in plugin_admin_urls():
        url = admin_url.fill(objects)
        assert_refused(client.get(url + query(objects)), url, "GET")
        assert_refused(client.get(url, HTTP_X_REQUESTED_WITH="XMLHttpRequest"), url, "GET xhr")
        posted = {"title": "changed", "name": "changed", "timing": "now", "recipients": "mine",
                  "subscriber": str(objects["subscriber"].pk), "status": "cancelled"}
        assert_refused(client.post(url, posted), url, "POST")
        checked += 1
    assert checked == len(plugin_admin_urls())
    assert snapshot() == before, "a refused POST changed data"


def test_an_anonymous_visitor_is_sent_to_the_login(client, objects):
    for admin_url in plugin_admin_urls():
        url = admin_url.fill(objects)
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code in (302, 403), url
            if response.status_code == 302:
                assert urlsplit(response["Location"]).path == reverse("wagtailadmin_login"), url
            assert not [s for s in SECRETS if s in response.content.decode()], url


def test_the_walk_would_see_data_if_it_were_shown(admin_client, objects):
    """Control: a superuser gets the pages, and the data the walk looks for is on them, so the
    assertions above can fail."""
    seen = set()
    for name, key in (("wagtail_pushseg_subscribers:inspect", "subscriber"),
                      ("wagtail_pushseg_segments:list", None),
                      ("wagtail_pushseg_campaigns:inspect", "campaign")):
        url = reverse(name, args=[objects[key].pk] if key else [])
        response = admin_client.get(url)
        assert response.status_code == 200, url
        seen |= {s for s in SECRETS if s in response.content.decode()}
    assert {ENDPOINT, SEGMENT, CAMPAIGN} <= seen


def test_the_default_editor_composes_campaigns_but_no_segment_or_subscriber_view_opens(
    client, editor, objects
):
    """The Editors group may compose campaigns out of the box, nothing else of the plugin's:
    every segment and subscriber URL, and every send path, still refuses them."""
    assert editor.has_perm("wagtail_pushseg.add_campaign")
    client.force_login(editor)
    before = snapshot()
    walked = 0
    for admin_url in plugin_admin_urls():
        closed = ("segment" in admin_url.namespace or "subscriber" in admin_url.namespace
                  or admin_url.name in ("send", "test_send", "cancel", "delete"))
        if not closed:
            continue
        url = admin_url.fill(objects)
        for response in (client.get(url), client.post(url, {"timing": "now"})):
            assert response.status_code in (302, 403), url
            if response.status_code == 302:
                assert urlsplit(response["Location"]).path == reverse("wagtailadmin_home"), url
        body = client.get(url).content.decode()
        assert ENDPOINT not in body and "walker-visitor-77x" not in body, url
        walked += 1
    assert walked >= 25
    assert snapshot() == before
