"""``load_demo_data --simulated-subscribers N`` (what ``make demo`` runs) adds the simulation
next to the demo personas, so the trends pages have a history."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from wagtail_pushseg.insights.simulation import ENDPOINT_PREFIX
from wagtail_pushseg.models import Segment, SegmentDay, Subscriber


pytestmark = pytest.mark.django_db


def test_demo_data_with_the_simulation_keeps_the_personas(settings, tmp_path, client,
                                                          django_user_model):
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG, "ALLOWED_ENDPOINT_ORIGINS": ["http://127.0.0.1:8001"],
    }
    call_command("load_demo_data", subscribers=20, sandbox_state=tmp_path / "s.json",
                 verbosity=0, no_progress=True, simulated_subscribers=30)
    simulated = Subscriber.objects.filter(endpoint__startswith=ENDPOINT_PREFIX)
    assert simulated.count() == 30 + round(0.15 * 30)
    assert Subscriber.objects.exclude(endpoint__startswith=ENDPOINT_PREFIX).count() == 20
    assert Segment.objects.filter(slug="loyal-subscribers").exists()  # the starters are there
    runners = Segment.objects.get(slug="sim-runners")
    assert SegmentDay.objects.filter(segment=runners).count() == 90
    client.force_login(django_user_model.objects.get(username="admin"))  # the demo's own
    response = client.get(reverse("wagtail_pushseg_segments:trends", args=[runners.pk]))
    assert response.status_code == 200
    # The last 90 days, today included: the simulation ended yesterday.
    assert len(response.context["rows"]) == 89
