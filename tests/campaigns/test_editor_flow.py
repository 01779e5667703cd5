"""The whole editor flow through the real Wagtail views: publish a page with “Publish and
push…”, compose targets with their own wording in the prefilled composer, see the audience,
send, and find the notifications decrypted in the push sandbox."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, querydict_from_html

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.models import Campaign, Delivery


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


def form_of(response, form_id: str):
    return querydict_from_html(response.content.decode(), form_id=form_id)


def test_publish_and_push_to_two_segments_with_their_own_wording(
    client, pages, moderator, make_sandbox_subscribers, sandbox,
    django_capture_on_commit_callbacks,
):
    german_only = make_sandbox_subscribers(2, language="de-DE")
    french = make_sandbox_subscribers(1, language="fr-FR")
    both = make_sandbox_subscribers(1, language="de-DE", timezone="Europe/Paris")
    germans = make_segment([block("language", languages=["de"])], name="German readers")
    paris = make_segment([block("time_zone", zones=["Europe/Paris"])], name="Paris")
    french_readers = make_segment([block("language", languages=["fr"])], name="French readers")
    offer = pages["offer"]
    client.force_login(moderator)

    # 1. Publish the page with “Publish and push…”.
    edit = reverse("wagtailadmin_pages:edit", args=[offer.pk])
    page_data = form_of(client.get(edit), "page-edit-form")
    page_data["title"] = "Headphones at half price"
    page_data["search_description"] = "Only this week"
    page_data["action-publish"] = "push"
    response = client.post(edit, page_data)
    offer.refresh_from_db()
    assert offer.live and offer.title == "Headphones at half price"
    composer_url = response["Location"]

    # 2. The composer is prefilled from the page; add targets in priority order.
    composer = form_of(client.get(composer_url), "w-editor-form")
    assert (composer["title"], composer["body"].strip(), composer["page"]) == (
        "Headphones at half price", "Only this week", str(offer.pk))
    composer.update(nested_form_data({"targets": inline_formset([
        {"segment": str(germans.pk), "title": "Kopfhörer zum halben Preis", "body": ""},
        {"segment": str(paris.pk), "title": "", "body": "Cette semaine seulement"},
        {"segment": str(french_readers.pk), "title": "", "body": ""},
    ])}))
    composer["body"] = "Only this week"
    response = client.post(reverse("wagtail_pushseg_campaigns:add"), composer)
    assert response.status_code == 302, response.context["form"].errors
    campaign = Campaign.objects.get()
    assert campaign.page_id == offer.pk

    # 3. The audience preview for these targets (after a refresh of the segments).
    from wagtail_pushseg.segments.refresh import refresh_segment

    for segment in (germans, paris, french_readers):
        refresh_segment(segment)
    preview = client.get(reverse("wagtail_pushseg_campaigns:audience_preview"),
                         {"segment": [germans.pk, paris.pk, french_readers.pk]}).json()
    assert [t["reach"] for t in preview["targets"]] == [3, 0, 1]
    assert preview["total"] == 4
    assert preview["overlap"][0][1] == 1  # the German reader in Paris

    # 4. Send.
    send = reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk])
    assert "German readers" in client.get(send).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send, {"timing": "now"})
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert Delivery.objects.filter(campaign=campaign, status="sent").count() == 4

    # 5. The notifications arrive, decrypted, one per subscriber, in the right wording.
    for subscriber in german_only + both:
        [message] = sandbox.messages(subscriber.endpoint)
        assert message.json()["title"] == "Kopfhörer zum halben Preis"
        assert message.json()["url"].endswith(offer.url)
    [message] = sandbox.messages(french[0].endpoint)
    assert message.json()["title"] == "Headphones at half price"
    assert message.json()["body"] == "Only this week"

    # The details page tells how it went.
    html = client.get(reverse("wagtail_pushseg_campaigns:inspect",
                              args=[campaign.pk])).content.decode()
    assert "4 of 4 pushes delivered" in html
