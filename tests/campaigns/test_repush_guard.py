"""The "already pushed this page" guard (issue 17, item 2): readers who got a push about a page
in the last ``REPUSH_GUARD_HOURS`` are skipped when another campaign about the same page is
planned (in the planning statement itself), the send page says how many, and "send again
anyway" lifts it. Real sends to the sandbox; Django's test client for the send page (the
warning is server-rendered)."""

import pytest
from django.urls import reverse

from wagtail_pushseg.models import Delivery

from .conftest import target
from .sent import new_campaign, send


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]

WARNING = "2 of these readers got a push about this page in the last 24 h and will be skipped"


@pytest.fixture
def again(sent, make_sandbox_subscribers, pages):
    """A second campaign about the same page and segment, with one new German reader."""
    first, readers = sent
    newcomer = make_sandbox_subscribers(1, language="de-DE")[0]
    second = new_campaign(page=pages["article"], title="Still on sale")
    target(second, first.targets.get().segment, 0)
    return first, second, readers, newcomer


def send_page(campaign) -> str:
    return reverse("wagtail_pushseg_campaigns:send", args=[campaign.pk])


def delivered_to(campaign) -> set[int]:
    return set(Delivery.objects.filter(campaign=campaign).values_list("subscriber_id", flat=True))


def test_the_send_page_warns_and_planning_skips_readers_pushed_about_the_page(
        again, admin_client, django_capture_on_commit_callbacks):
    _first, second, _readers, newcomer = again
    html = admin_client.get(send_page(second)).content.decode()
    assert WARNING in html
    assert "Send again anyway" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(send_page(second), {"timing": "now"})
    assert response.status_code == 302
    assert delivered_to(second) == {newcomer.pk}


def test_send_again_anyway_reaches_everyone(again, admin_client,
                                            django_capture_on_commit_callbacks):
    _first, second, readers, newcomer = again
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(send_page(second), {"timing": "now", "send_again": "on"})
    assert delivered_to(second) == {newcomer.pk, *(r.pk for r in readers)}


def test_a_campaign_about_another_page_is_not_guarded(again, pages,
                                                      django_capture_on_commit_callbacks):
    first, _second, readers, newcomer = again
    other = new_campaign(page=pages["offer"], title="Headphones")
    target(other, first.targets.get().segment, 0)
    send(other, django_capture_on_commit_callbacks)
    assert delivered_to(other) == {newcomer.pk, *(r.pk for r in readers)}


def test_the_guard_can_be_switched_off(again, admin_client, settings,
                                       django_capture_on_commit_callbacks):
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "REPUSH_GUARD_HOURS": 0}
    _first, second, readers, newcomer = again
    assert "will be skipped" not in admin_client.get(send_page(second)).content.decode()
    send(second, django_capture_on_commit_callbacks)
    assert delivered_to(second) == {newcomer.pk, *(r.pk for r in readers)}


def test_only_pushes_within_the_window_count(again, settings,
                                             django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    first, second, readers, newcomer = again
    Delivery.objects.filter(campaign=first).update(sent_at=timezone.now() - timedelta(hours=25))
    send(second, django_capture_on_commit_callbacks)
    assert delivered_to(second) == {newcomer.pk, *(r.pk for r in readers)}
