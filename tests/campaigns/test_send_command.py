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
