"""The campaign admin: listing, the composer (create and edit with targets), the size check."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.models import Campaign, CampaignTarget

from .conftest import target


pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def segments():
    return (make_segment([block("language", languages=["de"])], name="German"),
            make_segment([block("language", languages=["fr"])], name="French"),
            make_segment([block("language", languages=["it"])], name="Italian"))


def composer_data(targets=(), excluded=(), variants=(), **fields) -> dict:
    data = {
        "title": "Winter sale", "body": "30% off everything", "page": "", "url": "/shop/",
        "icon": "", "image": "", "action1_title": "", "action1_url": "", "action2_title": "",
        "action2_url": "", "ttl": "86400", "urgency": "normal", "focus": "priority",
        "min_degree": "", "timing": "now", "send_at": "", "ab_test_share": "", "ab_test_wait": "60",
        "targets": inline_formset(list(targets)),
        "variants": inline_formset(list(variants)),
    }
    data.update(fields)
    form = nested_form_data(data)
    if excluded:
        form["excluded_segments"] = [str(pk) for pk in excluded]
    return form


def test_listing_shows_each_status_for_an_editor(editor_client, segments):
    for status in Campaign.Status.values:
        Campaign.objects.create(title=f"About {status}", url="/", status=status)
    response = editor_client.get(reverse("wagtail_pushseg_campaigns:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for label in Campaign.Status.labels:
        assert str(label) in html
    response = editor_client.get(reverse("wagtail_pushseg_campaigns:index"),
                                 {"status": "sent"})
    assert "About sent" in response.content.decode()
    assert "About draft" not in response.content.decode()
    response = editor_client.get(reverse("wagtail_pushseg_campaigns:index"), {"q": "cancelled"})
    assert "About cancelled" in response.content.decode()
    assert "About draft" not in response.content.decode()


def test_an_editor_creates_a_campaign_with_ordered_targets_and_exclusions(
    editor_client, editor, segments
):
    german, french, italian = segments
    response = editor_client.get(reverse("wagtail_pushseg_campaigns:add"))
    assert response.status_code == 200
    response = editor_client.post(
        reverse("wagtail_pushseg_campaigns:add"),
        composer_data(
            targets=[{"segment": french.pk, "title": "Soldes d'hiver", "body": ""},
                     {"segment": german.pk, "title": "", "body": "30% Rabatt"}],
            excluded=[italian.pk], focus="strongest", min_degree="0.4",
        ),
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtail_pushseg_campaigns:inspect",
                                           args=[campaign.pk])
    assert (campaign.status, campaign.focus, campaign.min_degree) == ("draft", "strongest", 0.4)
    assert campaign.created_by == editor
    assert [(t.segment, t.title, t.body) for t in campaign.targets.order_by("sort_order")] == [
        (french, "Soldes d'hiver", ""), (german, "", "30% Rabatt")]
    assert list(campaign.excluded_segments.all()) == [italian]
    assert ModelLogEntry.objects.filter(action="wagtail.create", object_id=str(campaign.pk),
                                        user=editor).exists()

    response = editor_client.get(reverse("wagtail_pushseg_campaigns:inspect", args=[campaign.pk]))
    assert response.status_code == 200
    assert "Soldes d&#x27;hiver" in response.content.decode()


def test_editing_reorders_and_removes_targets(editor_client, segments):
    german, french, _ = segments
    campaign = Campaign.objects.create(title="Deal", url="/")
    first = target(campaign, german, 0)
    second = target(campaign, french, 1)
    data = composer_data(title="Deal!")
    data.update(nested_form_data({"targets": inline_formset([
        {"id": second.pk, "segment": french.pk, "title": "", "body": "", "ORDER": "0"},
        {"id": first.pk, "segment": german.pk, "title": "", "body": "", "DELETE": "1"},
    ], initial=2)}))
    response = editor_client.post(reverse("wagtail_pushseg_campaigns:edit", args=[campaign.pk]),
                                  data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "Deal!"
    assert list(CampaignTarget.objects.filter(campaign=campaign)) == [second]


def test_a_campaign_that_went_out_cannot_be_edited(editor_client, segments):
    campaign = Campaign.objects.create(title="Old news", url="/", status="sent")
    url = reverse("wagtail_pushseg_campaigns:edit", args=[campaign.pk])
    inspect = reverse("wagtail_pushseg_campaigns:inspect", args=[campaign.pk])
    assert editor_client.get(url)["Location"] == inspect
    response = editor_client.post(url, composer_data(title="Rewritten"))
    assert response["Location"] == inspect
    campaign.refresh_from_db()
    assert campaign.title == "Old news"


def test_saving_a_scheduled_campaign_keeps_its_state_and_time(editor_client, segments):
    from datetime import timedelta

    from django.utils import timezone

    when = timezone.now() + timedelta(days=1)
    campaign = Campaign.objects.create(title="Later", url="/", status="scheduled", timing="at",
                                       send_at=when)
    target(campaign, segments[0], 0)
    data = composer_data(title="Later, reworded", timing="now",
                         targets=[{"segment": segments[0].pk, "title": "", "body": ""}])
    response = editor_client.post(reverse("wagtail_pushseg_campaigns:edit", args=[campaign.pk]),
                                  data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.title, campaign.status, campaign.timing) == (
        "Later, reworded", "scheduled", "at")
    assert campaign.send_at == when


def test_timing_needs_its_details(editor_client):
    response = editor_client.post(reverse("wagtail_pushseg_campaigns:add"),
                                  composer_data(timing="at"))
    assert response.status_code == 200
    assert "Choose when to send." in response.content.decode()
    response = editor_client.post(reverse("wagtail_pushseg_campaigns:add"),
                                  composer_data(timing="on_publish"))
    assert "Choose the page whose publishing sends this campaign." in response.content.decode()
    response = editor_client.post(reverse("wagtail_pushseg_campaigns:add"),
                                  composer_data(url=""))
    assert "Choose a page or enter a link." in response.content.decode()
    assert not Campaign.objects.exists()


LONG_LINKS = dict.fromkeys(
    ("icon", "image", "action1_url", "action2_url", "url"), "https://example.com/" + "x" * 470
)


def characters_to_cut(error: str) -> int:
    import re

    return int(re.search(r"cut (\d+) characters", error).group(1))


def test_a_notification_too_long_to_push_is_a_form_error_naming_what_to_cut(editor_client):
    def post(body):
        data = composer_data(title="🎉" * 120, body=body, action1_title="Buy",
                             action2_title="Later", **LONG_LINKS)
        return editor_client.post(reverse("wagtail_pushseg_campaigns:add"), data)

    response = post("€" * 400)
    assert response.status_code == 200
    [error] = response.context["form"].errors["body"]
    assert "too long to fit in a push: cut" in error
    cut = characters_to_cut(error)
    assert 0 < cut < 400
    assert not Campaign.objects.exists()

    # Cutting one character less is not enough; cutting as many as said is.
    assert post("€" * (400 - cut + 1)).status_code == 200
    assert not Campaign.objects.exists()
    assert post("€" * (400 - cut)).status_code == 302
    assert Campaign.objects.count() == 1


def test_a_target_wording_too_long_to_push_is_an_error_on_that_target(editor_client, segments):
    data = composer_data(
        title="Hi", body="Short", action1_title="Buy", action2_title="Later",
        targets=[{"segment": segments[0].pk, "title": "", "body": ""},
                 {"segment": segments[1].pk, "title": "🎉" * 120, "body": "🔥" * 400}],
        **LONG_LINKS,
    )
    response = editor_client.post(reverse("wagtail_pushseg_campaigns:add"), data)
    assert response.status_code == 200
    forms = response.context["form"].formsets["targets"].forms
    assert not forms[0].errors
    [error] = forms[1].errors["body"]
    assert error.startswith("With this wording the notification is too long")
    assert characters_to_cut(error) > 0
    assert not Campaign.objects.exists()


def test_a_sender_goes_from_saving_a_draft_to_confirming_how_it_goes_out(
    client, django_user_model, segments
):
    moderator = django_user_model.objects.create_user("mod", "mod@example.com", "pw")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    response = client.post(reverse("wagtail_pushseg_campaigns:add"), composer_data(
        timing="at", send_at="2099-01-01 10:00",
        targets=[{"segment": segments[0].pk, "title": "", "body": ""}]))
    campaign = Campaign.objects.get()
    assert campaign.status == "draft"  # saving never schedules
    assert response["Location"] == reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk])
    form = client.get(response["Location"]).context["form"]
    assert form.initial["timing"] == "at"


def test_moderators_see_the_send_button_editors_do_not(client, editor, django_user_model):
    campaign = Campaign.objects.create(title="Deal", url="/")
    moderator = django_user_model.objects.create_user("mod", "mod@example.com", "pw")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    send_url = reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk])
    inspect_url = reverse("wagtail_pushseg_campaigns:inspect", args=[campaign.pk])
    client.force_login(editor)
    assert send_url not in client.get(inspect_url).content.decode()
    client.force_login(moderator)
    assert send_url in client.get(inspect_url).content.decode()
