"""``make demo`` tells one story: the shop's own segments and tags, simulated readers that are
sandbox devices, and a first campaign to "Loyal subscribers" that reaches every member."""

import pytest
from demo.demo_data import content
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from wagtail_pushseg.models import (
    Campaign,
    Delivery,
    Membership,
    Segment,
    SegmentAlert,
    SegmentDay,
    Subscriber,
)
from wagtail_pushseg.testing import PushSandbox, SandboxState, free_port


pytestmark = pytest.mark.django_db

PERSONAS, SIMULATED = 40, 30


@pytest.fixture(scope="module")
def demo_state(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo as ``make demo`` loads it (smaller), for a sandbox on a free port: loaded once
    for the module (about a minute here) inside a transaction rolled back at the end, as
    Django's ``setUpTestData`` does; each test runs in a savepoint inside it."""
    url = f"http://127.0.0.1:{free_port()}"
    state = tmp_path_factory.mktemp("demo") / "sandbox.json"
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock():
        from django.conf import settings

        patch.setattr(settings, "WAGTAIL_PUSHSEG",
                      {**settings.WAGTAIL_PUSHSEG, "ALLOWED_ENDPOINT_ORIGINS": [url]})
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo_data", subscribers=PERSONAS,
                         simulated_subscribers=SIMULATED, sandbox_state=state,
                         sandbox_url=url, verbosity=0, no_progress=True)
            yield state, url
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(demo_state, settings):
    state, url = demo_state
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "ALLOWED_ENDPOINT_ORIGINS": [url]}
    return state


def test_only_the_shops_own_segments_and_campaign_titles(demo):
    names = list(Segment.objects.values_list("name", flat=True))
    assert not [name for name in names if "simulated" in name.lower()], names
    assert "Bargain hunters" in names
    titles = list(Campaign.objects.values_list("title", flat=True))
    assert titles  # the history has campaigns...
    assert not [t for t in titles if "simulation" in t.lower()], titles[:5]
    # ...about the shop's products.
    products = {name for cat in content.PRODUCTS.values() for name, _ in cat["items"]}
    assert all(any(product in title for product in products) for title in titles)


def test_the_history_lives_on_the_shops_segments(demo):
    bargain = Segment.objects.get(slug="bargain-hunters")
    assert SegmentDay.objects.filter(segment=bargain).count() == 90
    alert = SegmentAlert.objects.filter(segment=bargain, kind="ctr").first()
    assert alert is not None and "Bargain hunters clicked" in alert.message
    sent = Delivery.objects.filter(status="sent")
    assert sent.filter(shown_at__isnull=False).exists()
    assert sent.filter(clicked_at__isnull=False).exists()


def test_the_trends_page_shows_the_ninety_days(demo, client, django_user_model):
    bargain = Segment.objects.get(slug="bargain-hunters")
    client.force_login(django_user_model.objects.get(username="admin"))  # the demo's own
    response = client.get(reverse("wagtail_pushseg_segments:trends", args=[bargain.pk]))
    assert response.status_code == 200
    # The last 90 days, today included: the simulation ended yesterday.
    assert len(response.context["rows"]) == 89


def test_every_subscriber_is_a_sandbox_device(demo, client, django_user_model):
    devices = SandboxState.load(demo).subscriptions()
    endpoints = {s.endpoint for s in devices}
    active = Subscriber.objects.active()
    assert set(active.values_list("endpoint", flat=True)) <= endpoints
    # The dashboard's count is the number of devices in the sandbox inbox.
    client.force_login(django_user_model.objects.get(username="admin"))
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    expected = PERSONAS + SIMULATED + round(0.15 * SIMULATED)
    assert active.count() == len(devices) == expected
    assert f"{expected} push subscribers" in " ".join(response.content.decode().split())


def test_a_first_campaign_to_loyal_subscribers_reaches_every_member(demo):
    loyal = Segment.objects.get(slug="loyal-subscribers")
    members = set(Membership.objects.filter(segment=loyal).values_list("subscriber__endpoint",
                                                                        flat=True))
    assert len(members) > PERSONAS // 10  # simulated readers and personas alike
    with PushSandbox(state_file=demo) as sandbox:
        call_command("pushseg_send", title="The Aperture Z50 is back in stock", url="/",
                     segment=["loyal-subscribers"], no_progress=True, verbosity=0)
        campaign = Campaign.objects.get(title="The Aperture Z50 is back in stock")
        deliveries = Delivery.objects.filter(campaign=campaign)
        assert deliveries.count() == len(members)
        assert set(deliveries.values_list("status", flat=True)) == {"sent"}
        assert sandbox.rejections == []
        for endpoint in members:
            [message] = sandbox.messages(endpoint)
            assert message.json()["title"] == "The Aperture Z50 is back in stock"
