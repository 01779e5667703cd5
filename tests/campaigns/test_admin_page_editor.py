"""In the page editor: “Publish and push…” and the push panel."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission, Page
from wagtail.test.utils.form_data import querydict_from_html

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.models import Campaign, Delivery

from .conftest import target


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]

MENU_ITEM = 'value="push"'
PANEL = "pushseg-push-panel"


def user_in(django_user_model, name: str, *groups: Group):
    user = django_user_model.objects.create_user(name, f"{name}@example.com", "pw")
    user.groups.add(*groups)
    return user


@pytest.fixture
def publisher(django_user_model, pages):
    """May edit and publish pages, but has no campaign permission at all."""
    group = Group.objects.create(name="Publishers")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    root = Page.get_first_root_node()
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(group=group, page=root,
                                           permission=Permission.objects.get(codename=codename))
    return user_in(django_user_model, "publisher", group)


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def test_publish_and_push_is_offered_only_to_who_may_publish_and_add_campaigns(
    client, pages, moderator, editor, publisher
):
    offer = pages["offer"]
    for user, shown in ((moderator, True), (editor, False), (publisher, False)):
        client.force_login(user)
        html = client.get(edit_url(offer)).content.decode()
        assert (MENU_ITEM in html) is shown, user
        create = reverse("wagtailadmin_pages:add",
                         args=["demo", "offerpage", offer.get_parent().pk])
        assert (MENU_ITEM in client.get(create).content.decode()) is shown, user


def test_the_push_panel_is_shown_to_campaign_users_and_hidden_from_others(
    client, pages, moderator, editor, publisher
):
    offer = pages["offer"]
    Campaign.objects.create(title="Deal of the day", page=offer, status="waiting",
                            timing="on_publish")
    for user, shown in ((moderator, True), (editor, True), (publisher, False)):
        client.force_login(user)
        html = client.get(edit_url(offer)).content.decode()
        assert (PANEL in html) is shown, user
        assert ("Deal of the day" in html) is shown, user
    client.force_login(editor)
    html = client.get(edit_url(offer)).content.decode()
    assert "Goes out when this page is published" in html
    prepare = reverse("wagtail_pushseg_campaigns:add") + f"?page={offer.pk}&amp;timing=on_publish"
    assert prepare in html
    composer = querydict_from_html(client.get(prepare.replace("&amp;", "&")).content.decode(),
                                   form_id="w-editor-form")
    assert (composer["page"], composer["timing"]) == (str(offer.pk), "on_publish")


def test_the_push_panel_shows_results(client, pages, moderator, make_sandbox_subscribers):
    offer = pages["offer"]
    subscribers = make_sandbox_subscribers(3)
    campaign = Campaign.objects.create(title="Sent deal", page=offer, status="sent")
    for subscriber, status in zip(subscribers, ("sent", "sent", "expired"), strict=True):
        Delivery.objects.create(campaign=campaign, subscriber=subscriber, status=status)
    client.force_login(moderator)
    html = client.get(edit_url(offer)).content.decode()
    assert "2 of 3 sent" in html
    assert "1 not delivered" in html


def page_form(client, page, **changes):
    data = querydict_from_html(client.get(edit_url(page)).content.decode(),
                               form_id="page-edit-form")
    for name, value in changes.items():
        data[name] = value
    return data


def test_publish_and_push_publishes_then_opens_the_composer_prefilled(client, pages, moderator):
    offer = pages["offer"]
    offer.search_description = "Noise-cancelling, half price"
    offer.save_revision().publish()
    client.force_login(moderator)
    data = page_form(client, offer, title="Headphones: half price")
    data["action-publish"] = "push"
    response = client.post(edit_url(offer), data)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("wagtail_pushseg_campaigns:add") + f"?page={offer.pk}")
    offer.refresh_from_db()
    assert offer.live and offer.title == "Headphones: half price"
    assert not offer.has_unpublished_changes

    composer = querydict_from_html(client.get(response["Location"]).content.decode(),
                                   form_id="w-editor-form")
    assert composer["title"] == "Headphones: half price"
    assert composer["body"].strip() == "Noise-cancelling, half price"
    assert composer["page"] == str(offer.pk)
    assert composer["timing"] == "now"


def test_plain_publish_does_not_open_the_composer(client, pages, moderator):
    client.force_login(moderator)
    data = page_form(client, pages["offer"])
    data["action-publish"] = "action-publish"
    response = client.post(edit_url(pages["offer"]), data)
    assert "pushseg" not in response["Location"]


def test_without_publish_rights_publish_and_push_only_saves(client, pages, editor):
    offer = pages["offer"]
    client.force_login(editor)
    data = page_form(client, offer, title="Changed by an editor")
    data["action-publish"] = "push"  # a forged button
    response = client.post(edit_url(offer), data)
    assert "pushseg" not in response.get("Location", "")
    offer.refresh_from_db()
    assert offer.title == "Headphones deal"  # a draft was saved, nothing published


def test_a_scheduled_publish_and_push_prepares_a_campaign_for_go_live(client, pages, moderator):
    offer = pages["offer"]
    client.force_login(moderator)
    go_live = timezone.localtime(timezone.now() + timedelta(days=1))
    data = page_form(client, offer, go_live_at=go_live.strftime("%Y-%m-%d %H:%M"))
    data["action-publish"] = "push"
    response = client.post(edit_url(offer), data)
    assert response["Location"].endswith(f"?page={offer.pk}&timing=on_publish")


def test_a_prepared_campaign_is_queued_when_the_page_is_published_in_the_editor(
    client, pages, moderator, make_sandbox_subscribers, sandbox,
    django_capture_on_commit_callbacks,
):
    offer = pages["offer"]
    make_sandbox_subscribers(2, language="de-DE")
    campaign = Campaign.objects.create(title="Deal", page=offer, status="waiting",
                                       timing="on_publish")
    target(campaign, make_segment([block("language", languages=["de"])]), 0)
    client.force_login(moderator)
    data = page_form(client, offer, title="Headphones deal, now live")
    data["action-publish"] = "action-publish"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit_url(offer), data)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit_url(offer), page_form(client, offer, **{"action-publish": "1"}))
    assert len(sandbox.all_messages()) == 2  # republishing sends nothing more


def test_the_composer_takes_the_pages_listing_image(pages):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    from wagtail_pushseg.admin.campaigns.prefill import initial_from_page

    offer = pages["offer"]
    assert "image" not in initial_from_page(offer)
    offer.listing_image = Image.objects.create(title="Headphones", file=get_test_image_file())
    image = initial_from_page(offer)["image"]
    # An absolute URL on the page's site, of a rendition sized for notifications.
    assert image.startswith("http://localhost/media/images/")
    assert ".fill-720x360" in image


def test_creating_a_page_with_publish_and_push_opens_the_composer(client, pages, moderator):
    shop = pages["offer"].get_parent()
    client.force_login(moderator)
    url = reverse("wagtailadmin_pages:add", args=["demo", "offerpage", shop.pk])
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form")
    data.update({"title": "Speakers", "slug": "speakers", "price": "99.00",
                 "action-publish": "push"})
    response = client.post(url, data)
    page = Page.objects.get(slug="speakers")
    assert page.live
    assert response["Location"] == reverse("wagtail_pushseg_campaigns:add") + f"?page={page.pk}"
