"""A sent campaign's page says why pushes were not delivered, grouped by reason in words with
a count each (issue 17, item 1). Real sends: sandbox subscribers (one answers 410) and
simulated ones whose endpoint the endpoint policy refuses, as in the demo. A Django
test-client test is enough: the reasons are server-rendered HTML."""

import pytest
from django.db.models import Count
from django.urls import reverse

from tests.campaigns.sent import language_segment, new_campaign, send
from wagtail_pushseg.campaigns.failures import failure_groups
from wagtail_pushseg.models import Delivery, Subscriber, endpoint_hash


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


def simulated(n: int) -> list[Subscriber]:
    return [Subscriber.objects.create(
        endpoint=f"https://push.simulated.invalid/t/{i}",
        endpoint_hash=endpoint_hash(f"https://push.simulated.invalid/t/{i}"),
        p256dh="simulated", auth="simulated", language="de-DE") for i in range(n)]


@pytest.fixture
def failed_campaign(make_sandbox_subscribers, sandbox, settings,
                    django_capture_on_commit_callbacks):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "DELIVERY_MAX_ATTEMPTS": 1}
    real = make_sandbox_subscribers(3, language="de-DE")
    sandbox.set_behaviour(real[2].endpoint, status=410)
    simulated(4)
    campaign = new_campaign(language_segment("de", "German"))
    return send(campaign, django_capture_on_commit_callbacks)


def test_failures_are_grouped_by_reason_with_a_count(failed_campaign):
    counts = dict(Delivery.objects.filter(campaign=failed_campaign)
                  .values_list("status").annotate(n=Count("pk")).order_by())
    assert counts == {"sent": 2, "failed": 4, "expired": 1}
    groups = {g.kind: g.count for g in failure_groups(failed_campaign)}
    assert groups == {"not_a_push_service": 4, "gone": 1}


def test_the_campaign_page_says_why_in_words(admin_client, failed_campaign):
    html = admin_client.get(
        reverse("wagtail_pushseg_campaigns:inspect", args=[failed_campaign.pk])).content.decode()
    assert "Not delivered, and why" in html
    assert 'data-failure-kind="not_a_push_service"' in html
    assert "is not a push service this site sends to" in html
    assert "<strong>4</strong>" in html
    assert "The subscription has ended" in html
    # The sender's own words stay readable underneath.
    assert "push.simulated.invalid" in html
