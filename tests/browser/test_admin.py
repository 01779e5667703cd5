"""The editor's side in a real Chromium: publish and push from the page editor, the composer and
its audience preview, sending, a campaign's details, the segment editor's live preview.

Everything is real here: Wagtail's admin and its JavaScript, the plugin's Stimulus controllers,
the live server, the send (django-q2 tasks run inline in the server's thread) and the push
sandbox that receives and decrypts every push. Screenshots of each step go to
docs/screenshots/ (the editors' guide shows them) and artifacts/screenshots/ (CI keeps them).
"""

import pytest

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.models import Campaign, Delivery
from wagtail_pushseg.segments.refresh import refresh_segment
from wagtail_pushseg.subscribers.services import parse_subscription, subscribe


pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("inline_tasks"),
]


@pytest.fixture
def audience(sandbox, settings):
    """Sandbox subscribers: three German readers and one French, with refreshed segments."""
    key = settings.WAGTAIL_PUSHSEG["VAPID_PUBLIC_KEY"]
    made = []
    for language in ("de-DE", "de-AT", "de-DE", "fr-FR"):
        subscriber, _ = subscribe(parse_subscription(sandbox.subscribe(key)))
        subscriber.language = language
        subscriber.save()
        made.append(subscriber)
    germans = make_segment([block("language", languages=["de"])], name="German readers")
    french = make_segment([block("language", languages=["fr"])], name="French readers")
    for segment in (germans, french):
        refresh_segment(segment)
    return {"subscribers": made, "germans": germans, "french": french}


def choose_target(page, index: int, segment) -> None:
    """Add a target row in the composer's Audience tab and pick its segment in Wagtail's
    snippet chooser."""
    page.get_by_role("button", name="Add target").click()
    row = page.locator(f"#inline_child_targets-{index}")
    field = row.locator(f"[name='targets-{index}-segment']")
    if field.evaluate("e => e.tagName") == "SELECT":
        field.select_option(str(segment.pk))
    else:
        row.get_by_role("button", name="Choose segment").click()
        modal = page.locator(".modal-dialog")
        modal.get_by_role("link", name=segment.name).click()
        modal.wait_for(state="hidden")
    assert field.input_value() == str(segment.pk)


#: Why the moderator's flow and the composer's audience preview fail on this build (one cause):
#: the targets' segment field is Wagtail's snippet chooser (InlinePanel builds its FieldPanel,
#: and snippets get the chooser widget), not the drop-down the plugin's code assumes.
@pytest.mark.parametrize("username", [
    "admin",
    "moderator",
])
def test_publish_and_push_from_the_page_editor(
    page, pages, audience, sandbox, superuser, moderator, login, screenshot, username,
):
    """A superuser and a moderator (Wagtail's Moderators group, no superuser rights) publish a
    page with “Publish and push…”, get the composer prefilled from it, see the audience, send,
    and the pushes arrive decrypted in the sandbox; the campaign's page tells how it went."""
    pictures = username == "admin"  # one set of screenshots is enough
    offer = pages["offer"]
    login(page, username)

    # 1. The page editor: change the page, then “Publish and push…” from the action menu.
    page.goto(f"/admin/pages/{offer.pk}/edit/")
    page.get_by_role("tab", name="Promote").click()
    page.fill("#id_search_description", "Only this week")
    page.get_by_role("tab", name="Content").click()
    page.fill("#id_title", "Headphones at half price")
    page.get_by_role("button", name="More actions").click()
    publish_and_push = page.get_by_role("button", name="Publish and push…")
    publish_and_push.wait_for(state="visible")
    if pictures:
        screenshot(page, "publish-and-push")
    publish_and_push.click()

    # 2. The page is live with the new title, and the composer is prefilled from it.
    page.wait_for_url("**/admin/pushseg/campaigns/new/**")
    offer.refresh_from_db()
    assert offer.live and offer.title == "Headphones at half price"
    assert page.input_value("#id_title") == "Headphones at half price"
    assert page.input_value("#id_body") == "Only this week"
    assert page.locator("input[name=page]").input_value() == str(offer.pk)

    # 3. The audience tab: two targets, chosen in Wagtail's snippet chooser.
    page.get_by_role("tab", name="Audience").click()
    choose_target(page, 0, audience["germans"])
    choose_target(page, 1, audience["french"])
    if pictures:
        page.get_by_role("tab", name="Notification").click()
        screenshot(page, "composer")

    # 4. Save, then send now.
    page.get_by_role("button", name="Create", exact=True).click()
    page.wait_for_url("**/admin/pushseg/campaigns/send/**")
    campaign = Campaign.objects.get()
    assert campaign.page_id == offer.pk and campaign.created_by.username == username
    page.get_by_label("Now").check()
    page.locator("main form button[type=submit]").click()

    # 5. The campaign's page: sent, with its results; the pushes are in the sandbox's inbox.
    page.wait_for_url(f"**/admin/pushseg/campaigns/inspect/{campaign.pk}/")
    page.get_by_text("4 of 4 pushes delivered").wait_for()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert Delivery.objects.filter(campaign=campaign, status="sent").count() == 4
    for subscriber in audience["subscribers"]:
        [message] = sandbox.messages(subscriber.endpoint)
        assert message.json()["title"] == "Headphones at half price"
        assert message.json()["body"] == "Only this week"
        assert message.json()["url"] == offer.get_full_url()
    if pictures:
        page.locator("#pushseg-audience-heading").evaluate(
            "heading => heading.scrollIntoView({ block: 'start' })")
        screenshot(page, "campaign-detail")


def test_composer_audience_preview_counts_the_targets_as_they_are_chosen(
    page, pages, audience, superuser, login, screenshot,
):
    """The composer's live audience preview (the plugin's Stimulus controller and its JSON
    endpoint) counts each target's reach and the unique total while the editor chooses."""
    login(page, "admin")
    page.goto(f"/admin/pushseg/campaigns/new/?page={pages['offer'].pk}")
    page.get_by_role("tab", name="Audience").click()
    preview = page.locator(".pushseg-audience")
    choose_target(page, 0, audience["germans"])
    preview.locator("tfoot td", has_text="3").wait_for(timeout=5_000)
    choose_target(page, 1, audience["french"])
    preview.locator("tfoot td", has_text="4").wait_for(timeout=5_000)
    rows = preview.locator(".pushseg-preview__reach tbody tr").all_inner_texts()
    assert [row.split("\t") for row in rows] == [
        ["1", "German readers", "3", "3"], ["2", "French readers", "1", "1"],
    ]
    preview.scroll_into_view_if_needed()
    screenshot(page, "audience-preview")
