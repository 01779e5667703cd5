"""Sending is its own permission: editors compose and save, only senders send, schedule,
test-send and cancel. Checked with ordinary (non-superuser) accounts, on GET and on POST."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.models import Campaign, Delivery

from .conftest import target


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]

LATER = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def campaign(pages, make_sandbox_subscribers, editor):
    subscribers = make_sandbox_subscribers(2, language="de-DE", user=editor)
    campaign = Campaign.objects.create(title="Deal", body="Today only", page=pages["offer"])
    target(campaign, make_segment([block("language", languages=["de"])], name="German"), 0)
    campaign.subscribers = subscribers
    return campaign


def paths(campaign):
    """Every send, schedule, test-send and cancel path with the POST data that would act."""
    send = reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk])
    return [
        (send, {"timing": "now"}),
        (send, {"timing": "at", "send_at": LATER}),
        (send, {"timing": "on_publish"}),
        (reverse("wagtail_pushseg_campaigns:test_send", args=[campaign.pk]),
         {"recipients": "mine"}),
        (reverse("wagtail_pushseg_campaigns:test_send", args=[campaign.pk]),
         {"recipients": "one", "subscriber": str(campaign.subscribers[0].pk)}),
        (reverse("wagtail_pushseg_campaigns:cancel", args=[campaign.pk]), {}),
    ]


def refused(response) -> bool:
    return response.status_code == 403 or (
        response.status_code == 302 and "/pushseg/campaigns/" not in response["Location"]
    )


def test_editors_may_compose_but_every_send_path_refuses_them(
    client, editor, campaign, sandbox, django_capture_on_commit_callbacks
):
    assert not editor.is_superuser
    assert editor.has_perm("wagtail_pushseg.add_campaign")
    client.force_login(editor)
    for status in ("draft", "scheduled"):
        Campaign.objects.filter(pk=campaign.pk).update(status=status)
        for url, data in paths(campaign):
            assert refused(client.get(url)), url
            with django_capture_on_commit_callbacks(execute=True):
                assert refused(client.post(url, data)), (url, data)
            assert Campaign.objects.get(pk=campaign.pk).status == status
    assert not Delivery.objects.exists()
    assert sandbox.all_messages() == []
    assert not ModelLogEntry.objects.filter(action__startswith="wagtail_pushseg.").exists()


def test_the_send_buttons_are_not_offered_to_editors(client, editor, campaign):
    client.force_login(editor)
    for name in ("inspect", "edit"):
        html = client.get(reverse(f"wagtail_pushseg_campaigns:{name}",
                                  args=[campaign.pk])).content.decode()
        assert reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk]) not in html
        assert reverse("wagtail_pushseg_campaigns:test_send", args=[campaign.pk]) not in html


def test_deleting_is_not_a_way_round_cancelling(client, django_user_model, campaign):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("deleter", "d@example.com", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    user.user_permissions.add(Permission.objects.get(codename="delete_campaign"))
    client.force_login(user)
    Campaign.objects.filter(pk=campaign.pk).update(status="scheduled")
    url = reverse("wagtail_pushseg_campaigns:delete", args=[campaign.pk])
    client.post(url)
    assert Campaign.objects.get(pk=campaign.pk).status == "scheduled"


def test_a_moderator_sends_and_the_audit_log_records_it(
    client, moderator, campaign, sandbox, django_capture_on_commit_callbacks
):
    assert not moderator.is_superuser
    client.force_login(moderator)
    url = reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "German" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"timing": "now"})
    assert response["Location"] == reverse("wagtail_pushseg_campaigns:inspect",
                                           args=[campaign.pk])
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert len(sandbox.all_messages()) == 2
    entry = ModelLogEntry.objects.get(action="wagtail_pushseg.send_campaign",
                                      object_id=str(campaign.pk))
    assert entry.user == moderator
    # Once sent there is nothing more to send.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"timing": "now"})
    assert len(sandbox.all_messages()) == 2


def test_a_moderator_schedules_then_cancels(client, moderator, campaign):
    client.force_login(moderator)
    client.post(reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk]),
                {"timing": "at", "send_at": LATER})
    campaign.refresh_from_db()
    assert (campaign.status, campaign.timing) == ("scheduled", "at")
    assert ModelLogEntry.objects.filter(action="wagtail_pushseg.schedule_campaign",
                                        user=moderator).exists()

    cancel = reverse("wagtail_pushseg_campaigns:cancel", args=[campaign.pk])
    assert client.get(cancel).status_code == 200
    client.post(cancel)
    campaign.refresh_from_db()
    assert campaign.status == "cancelled"
    assert ModelLogEntry.objects.filter(action="wagtail_pushseg.cancel_campaign",
                                        user=moderator).exists()


def test_a_moderator_makes_a_campaign_wait_for_its_page(client, moderator, campaign):
    client.force_login(moderator)
    client.post(reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk]),
                {"timing": "on_publish"})
    campaign.refresh_from_db()
    assert campaign.status == "waiting"


def test_a_test_send_pushes_each_wording_to_the_senders_own_subscriptions(
    client, moderator, campaign, sandbox
):
    from wagtail_pushseg.models import Subscriber

    Subscriber.objects.filter(pk__in=[s.pk for s in campaign.subscribers]).update(user=moderator)
    second = target(campaign, make_segment([block("language", languages=["fr"])]), 1,
                    title="Offre du jour")
    target(campaign, make_segment([block("language", languages=["it"])]), 2)  # no own wording
    client.force_login(moderator)
    url = reverse("wagtail_pushseg_campaigns:test_send", args=[campaign.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"recipients": "mine"})
    for subscriber in campaign.subscribers:
        titles = sorted(m.json()["title"] for m in sandbox.messages(subscriber.endpoint))
        assert titles == ["Deal", "Offre du jour"]
        tags = {m.json()["tag"] for m in sandbox.messages(subscriber.endpoint)}
        assert tags == {f"pushseg-test-c{campaign.pk}-base",
                        f"pushseg-test-c{campaign.pk}-t{second.pk}"}
    campaign.refresh_from_db()
    assert campaign.status == "draft"  # a test changes nothing
    assert not Delivery.objects.exists()
    assert ModelLogEntry.objects.filter(action="wagtail_pushseg.send_test_push",
                                        object_id=str(campaign.pk)).exists()


def test_a_test_send_to_one_chosen_subscriber(client, moderator, campaign, sandbox):
    client.force_login(moderator)
    chosen, other = campaign.subscribers
    client.post(reverse("wagtail_pushseg_campaigns:test_send", args=[campaign.pk]),
                {"recipients": "one", "subscriber": str(chosen.pk)})
    assert [m.json()["title"] for m in sandbox.messages(chosen.endpoint)] == ["Deal"]
    assert sandbox.messages(other.endpoint) == []
