from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.segments.conftest import block, make_segment
from wagtail_pushseg.models import Campaign, Delivery


pytestmark = pytest.mark.django_db


@pytest.fixture
def segments(make_sandbox_subscribers):
    make_sandbox_subscribers(2, language="de-DE")
    make_sandbox_subscribers(1, language="fr-FR")
    make_segment([block("language", languages=["de"])], name="German", slug="german")
    make_segment([block("language", languages=["fr", "de"])], name="Europe", slug="europe")


def test_dry_run_prints_the_audience_per_target_and_sends_nothing(segments, sandbox):
    out = StringIO()
    call_command("pushseg_send", title="Hi", url="/", segment=["german", "europe"],
                 dry_run=True, stdout=out)
    assert out.getvalue().splitlines() == ["german: 2", "europe: 1",
                                           "total: 3 (dry run: nothing sent)"]
    assert not Campaign.objects.exists() and sandbox.all_messages() == []


def test_send_creates_and_sends_a_campaign(segments, sandbox):
    out = StringIO()
    call_command("pushseg_send", title="Hi", url="/", segment=["europe"], exclude=["german"],
                 no_progress=True, stdout=out)
    campaign = Campaign.objects.get()
    assert campaign.status == "sent"
    assert list(Delivery.objects.values_list("status", flat=True)) == ["sent"]
    assert len(sandbox.all_messages()) == 1
    assert "1 planned, 1 sent" in out.getvalue()


def test_unknown_segment_is_a_clear_error(segments):
    with pytest.raises(CommandError, match="unknown segment"):
        call_command("pushseg_send", title="Hi", url="/", segment=["nope"])


def test_a_body_that_fits_only_without_its_target_is_refused_before_anything_is_sent(
    segments, sandbox
):
    """Each delivery's payload carries its target's id: the check must count it."""
    from wagtail_pushseg.campaigns.payloads import payload_template
    from wagtail_pushseg.delivery.payload import PayloadTooLarge

    probe = Campaign.objects.create(title="Hi")
    next_pk = probe.pk + 1  # the id the command's campaign gets (it travels in the payload)
    probe.delete()

    def excess(body: str) -> int:  # without a target, as the old check measured
        try:
            payload_template(Campaign(pk=next_pk, title="Hi", url="/", body=body))
        except PayloadTooLarge as exc:
            return exc.excess
        return 0

    body = "x" * (4000 - excess("x" * 4000))
    assert len(body) < 4000 and excess(body) == 0

    with pytest.raises(CommandError, match=r"the notification is \d+ bytes.*cut \d+ bytes"):
        call_command("pushseg_send", title="Hi", body=body, url="/", segment=["europe"],
                     no_progress=True, stdout=StringIO())
    assert not Campaign.objects.exists() and sandbox.all_messages() == []


def test_a_campaign_whose_every_delivery_failed_is_failed_and_the_command_says_so(
    segments, sandbox
):
    sandbox.set_behaviour(None, status=400)
    with pytest.raises(CommandError, match=r"3 planned, 3 failed\. The campaign is failed: "
                                           r"Every delivery failed \(3\).*HTTP 400"):
        call_command("pushseg_send", title="Hi", url="/", segment=["europe"],
                     no_progress=True, stdout=StringIO())
    campaign = Campaign.objects.get()
    assert campaign.status == Campaign.Status.FAILED
    assert "HTTP 400" in campaign.status_reason


def test_some_failures_still_finish_as_sent_with_the_counts(
    segments, make_sandbox_subscribers, sandbox
):
    from wagtail_pushseg.models import Subscriber

    sandbox.set_behaviour(Subscriber.objects.first().endpoint, status=400)
    out = StringIO()
    call_command("pushseg_send", title="Hi", url="/", segment=["europe"], no_progress=True,
                 stdout=out)
    assert Campaign.objects.get().status == Campaign.Status.SENT
    assert "3 planned, 1 failed, 2 sent" in out.getvalue()


def test_a_paused_campaign_stops_the_command_with_an_error(segments, sandbox):
    from wagtail_pushseg.models import Profile, Subscriber

    for subscriber in Subscriber.objects.all():  # they have received from us before
        Profile.objects.create(subscriber=subscriber, pushes_received=1)
    sandbox.set_behaviour(None, status=403)
    with pytest.raises(CommandError, match="The campaign is paused: Paused: push services "
                                           "refused our VAPID signature"):
        call_command("pushseg_send", title="Hi", url="/", segment=["europe"],
                     no_progress=True, stdout=StringIO())
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
