"""The ledger stores what the push service answered, not what we expected it to."""

import pytest

from wagtail_pushseg.models import Delivery

from .sent import language_segment, new_campaign, send


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


@pytest.mark.parametrize("answer", [202, 200, 201])
def test_an_accepted_push_stores_the_status_the_push_service_answered(
    answer, make_sandbox_subscribers, sandbox, django_capture_on_commit_callbacks
):
    make_sandbox_subscribers(2, language="de-DE")
    sandbox.set_behaviour(None, accept_status=answer)
    campaign = send(new_campaign(language_segment("de", "German"), url="/"),
                    django_capture_on_commit_callbacks)
    assert len(sandbox.all_messages()) == 2
    assert set(Delivery.objects.filter(campaign=campaign).values_list("status", "status_code")) \
        == {("sent", answer)}


def test_an_expired_delivery_stores_404_or_410(
    make_sandbox_subscribers, sandbox, django_capture_on_commit_callbacks
):
    gone, unknown, fine = make_sandbox_subscribers(3, language="de-DE")
    sandbox.set_behaviour(gone.endpoint, status=410)
    # An endpoint the push service never issued: the sandbox itself answers 404.
    unknown.endpoint = unknown.endpoint.rsplit("/", 1)[0] + "/no-such-subscription"
    unknown.save()
    campaign = send(new_campaign(language_segment("de", "German"), url="/"),
                    django_capture_on_commit_callbacks)
    ledger = dict(Delivery.objects.filter(campaign=campaign).values_list(
        "subscriber_id", "status_code"))
    assert ledger == {gone.pk: 410, unknown.pk: 404, fine.pk: 201}
    assert set(Delivery.objects.filter(campaign=campaign).exclude(subscriber=fine)
               .values_list("status", flat=True)) == {"expired"}
