"""A campaign's live progress in the admin (counts, rate, time left, chart), its JSON for the
page's poller, and "Resume" for a paused campaign. Checked with non-superusers."""

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.campaigns import conftest as campaign_fixtures
from tests.segments.conftest import block, make_segment, make_subscriber
from wagtail_pushseg.admin.campaigns.progress import progress_of
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.campaigns.planning import plan_deliveries
from wagtail_pushseg.campaigns.sending.engine import send_chunk
from wagtail_pushseg.models import Campaign, Delivery


pytestmark = pytest.mark.django_db

moderator = campaign_fixtures.moderator
make_sandbox_subscribers = campaign_fixtures.make_sandbox_subscribers
S = Delivery.Status


def progress_url(campaign):
    return reverse("wagtail_pushseg_campaigns:progress", args=[campaign.pk])


def resume_url(campaign):
    return reverse("wagtail_pushseg_campaigns:resume", args=[campaign.pk])


def inspect_url(campaign):
    return reverse("wagtail_pushseg_campaigns:inspect", args=[campaign.pk])


def ledger(campaign, statuses: dict[str, int], attempted_at=None) -> None:
    """Deliveries of ``campaign`` in the given statuses (fresh subscribers for each)."""
    rows = []
    for status, n in statuses.items():
        for _ in range(n):
            done = status in (S.SENT, S.FAILED, S.EXPIRED)
            rows.append(Delivery(campaign=campaign, subscriber=make_subscriber(), status=status,
                                 attempted_at=attempted_at if done else None,
                                 sent_at=attempted_at if status == S.SENT else None))
    Delivery.objects.bulk_create(rows)


@pytest.fixture
def sending():
    return Campaign.objects.create(title="Deal", url="/shop/", status=Campaign.Status.SENDING)


@pytest.fixture
def outsider(django_user_model):
    """Admin access and nothing else: may not see campaigns at all."""
    user = django_user_model.objects.create_user("outsider", "o@example.com", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def test_progress_counts_every_state_and_estimates_the_time_left(sending):
    now = timezone.now()
    ledger(sending, {S.SENT: 6, S.FAILED: 1, S.EXPIRED: 1, S.PENDING: 5, S.SENDING: 2,
                     S.RETRY: 3, S.CAPPED: 2}, attempted_at=now - timedelta(seconds=20))

    data = progress_of(sending, now=now).as_json()

    assert {k: data[k] for k in ("planned", "sent", "failed", "expired", "pending", "retrying",
                                 "capped")} == {
        "planned": 20, "sent": 6, "failed": 1, "expired": 1, "pending": 7, "retrying": 3,
        "capped": 2}
    # 8 finished within the last minute: 8/60 per second; 10 left at that rate.
    assert data["rate"] == round(8 / 60, 1)
    assert data["eta_seconds"] == round(10 / (8 / 60))
    assert data["live"] is True


def test_nothing_finished_lately_means_no_rate_and_no_guess(sending):
    now = timezone.now()
    ledger(sending, {S.SENT: 3, S.PENDING: 4}, attempted_at=now - timedelta(minutes=5))
    data = progress_of(sending, now=now).as_json()
    assert (data["rate"], data["eta_seconds"], data["eta"]) == (0.0, None, "unknown")


def test_the_chart_counts_sent_and_failed_per_second_bucket(sending):
    start = timezone.now().replace(microsecond=0) - timedelta(seconds=30)
    ledger(sending, {S.SENT: 3, S.FAILED: 1}, attempted_at=start)
    ledger(sending, {S.SENT: 2, S.EXPIRED: 2}, attempted_at=start + timedelta(seconds=3))

    chart = progress_of(sending).chart

    assert chart["type"] == "line"
    assert len(chart["data"]["labels"]) == 4  # seconds 0..3, the empty ones included
    sent, lost = chart["data"]["datasets"]
    assert sent["data"] == [3, 0, 0, 2]
    assert lost["data"] == [1, 0, 0, 2]


def test_a_long_campaign_is_charted_in_minutes(sending):
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    ledger(sending, {S.SENT: 2}, attempted_at=start)
    ledger(sending, {S.SENT: 1}, attempted_at=start + timedelta(minutes=30, seconds=10))
    chart = progress_of(sending).chart
    assert len(chart["data"]["labels"]) == 31
    assert chart["data"]["datasets"][0]["data"][0] == 2
    assert chart["data"]["datasets"][0]["data"][30] == 1


def test_progress_costs_the_same_queries_for_few_and_many(sending, django_assert_num_queries):
    """Counted by the database: no query (or Python loop) per delivery."""
    now = timezone.now()
    ledger(sending, {S.SENT: 2, S.PENDING: 1}, attempted_at=now)
    with django_assert_num_queries(4) as few:
        progress_of(sending)
    ledger(sending, {S.SENT: 150, S.FAILED: 40, S.PENDING: 60}, attempted_at=now)
    with django_assert_num_queries(len(few.captured_queries)):
        progress_of(sending)


def test_the_json_needs_permission_to_see_campaigns(client, outsider, editor, sending):
    ledger(sending, {S.SENT: 2, S.PENDING: 1}, attempted_at=timezone.now())
    client.force_login(outsider)
    response = client.get(progress_url(sending))
    assert response.status_code == 403
    assert response.json() == {"error": "You may not see this campaign."}
    assert client.get(inspect_url(sending)).status_code in (302, 403)

    # Editors compose campaigns, so they may follow one going out (but not resume it).
    client.force_login(editor)
    response = client.get(progress_url(sending))
    assert response.status_code == 200
    data = response.json()
    assert (data["planned"], data["sent"], data["pending"], data["status"]) == (
        3, 2, 1, "sending")
    assert data["chart"]["data"]["datasets"][0]["data"] == [2]


def test_the_json_is_get_only_and_404_for_unknown_campaigns(client, moderator, sending):
    client.force_login(moderator)
    assert client.post(progress_url(sending)).status_code == 405
    missing = reverse("wagtail_pushseg_campaigns:progress", args=[sending.pk + 1000])
    assert client.get(missing).status_code == 404


def test_the_details_page_shows_live_progress_and_its_poller(client, moderator, sending):
    ledger(sending, {S.SENT: 4, S.CAPPED: 1, S.PENDING: 3}, attempted_at=timezone.now())
    client.force_login(moderator)
    html = client.get(inspect_url(sending)).content.decode()
    assert 'data-controller="pushseg-progress"' in html
    assert f'data-pushseg-progress-url-value="{progress_url(sending)}"' in html
    assert 'data-pushseg-progress-live-value="true"' in html
    assert "wagtail_pushseg/admin/campaign-progress.js" in html
    assert 'id="pushseg-progress-chart"' in html
    config = json.loads(html.split('id="pushseg-progress-chart-config" type="application/json">')[1]
                        .split("</script>")[0])
    assert config["data"]["datasets"][0]["data"] == [4]
    assert 'data-key="capped">1<' in html


def test_a_draft_has_no_progress_section(client, moderator):
    draft = Campaign.objects.create(title="Draft", url="/")
    client.force_login(moderator)
    assert "pushseg-progress" not in client.get(inspect_url(draft)).content.decode()


@pytest.fixture
def paused():
    reason = "Paused: push services refused our VAPID signature (HTTP 403)."
    return Campaign.objects.create(title="Deal", url="/shop/", status=Campaign.Status.PAUSED,
                                   status_reason=reason)


def test_a_paused_campaign_says_why_and_offers_resume_to_senders_only(
    client, editor, moderator, paused
):
    client.force_login(editor)
    html = client.get(inspect_url(paused)).content.decode()
    assert "refused our VAPID signature" in html
    assert resume_url(paused) not in html

    client.force_login(moderator)
    html = client.get(inspect_url(paused)).content.decode()
    assert resume_url(paused) in html
    assert "Resume sending" in html
    assert 'data-pushseg-progress-live-value="false"' in html  # nothing to poll for


def test_a_paused_campaign_with_work_left_has_no_time_left_estimate(paused):
    ledger(paused, {S.SENT: 2, S.PENDING: 2}, attempted_at=timezone.now())
    data = progress_of(paused).as_json()
    assert (data["live"], data["eta_seconds"], data["eta"]) == (False, None, "not sending")


def test_resume_refuses_editors_and_get(client, editor, moderator, paused):
    client.force_login(editor)
    response = client.post(resume_url(paused))
    # Wagtail answers a refused page request with a redirect to the dashboard and a message.
    assert response.status_code == 403 or response["Location"] == reverse("wagtailadmin_home")
    xhr = client.post(resume_url(paused), headers={"x-requested-with": "XMLHttpRequest"})
    assert xhr.status_code == 403
    client.force_login(moderator)
    assert client.get(resume_url(paused)).status_code == 405
    paused.refresh_from_db()
    assert paused.status == Campaign.Status.PAUSED
    assert not ModelLogEntry.objects.filter(action="wagtail_pushseg.resume_campaign").exists()


def test_a_moderator_resumes_and_sending_carries_on(
    client, moderator, paused, django_capture_on_commit_callbacks, monkeypatch
):
    rung = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kw: rung.append(args))
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resume_url(paused))

    assert response.status_code == 302 and response["Location"] == inspect_url(paused)
    paused.refresh_from_db()
    assert (paused.status, paused.status_reason) == (Campaign.Status.SENDING, "")
    entry = ModelLogEntry.objects.get(action="wagtail_pushseg.resume_campaign")
    assert (entry.user, entry.object_id) == (moderator, str(paused.pk))
    assert rung == [("wagtail_pushseg.tasks.send_campaign_chunk", paused.pk)]


def test_resuming_a_campaign_that_is_not_paused_changes_nothing(client, moderator, sending):
    client.force_login(moderator)
    response = client.post(resume_url(sending), follow=True)
    assert "only a paused campaign can be resumed" in response.content.decode()
    sending.refresh_from_db()
    assert sending.status == Campaign.Status.SENDING


def test_progress_follows_a_real_send_chunk_by_chunk(client, moderator, sandbox,
                                                     make_sandbox_subscribers):
    """Real pushes to the sandbox: the JSON moves as chunks are written."""
    make_sandbox_subscribers(6, language="en-GB")
    campaign = Campaign.objects.create(title="Deal", url="/shop/", status=Campaign.Status.SENDING)
    campaign_fixtures.target(campaign, make_segment([block("language", languages=["en"])]), 0)
    services.refresh_campaign_segments(campaign)
    plan_deliveries(campaign)
    client.force_login(moderator)
    before = client.get(progress_url(campaign)).json()
    assert (before["planned"], before["sent"], before["pending"]) == (6, 0, 6)

    send_chunk(campaign.pk, limit=4)
    during = client.get(progress_url(campaign)).json()
    assert (during["sent"], during["pending"]) == (4, 2)
    assert during["rate"] > 0 and during["eta_seconds"] is not None
    assert sum(during["chart"]["data"]["datasets"][0]["data"]) == 4


def test_pushseg_send_shows_a_progress_bar(make_sandbox_subscribers, sandbox, capsys):
    """The command line's progress: tqdm on stderr, counting pushes as chunks finish."""
    from django.core.management import call_command

    make_sandbox_subscribers(5, language="en-GB")
    make_segment([block("language", languages=["en"])], name="English", slug="english")
    call_command("pushseg_send", title="Hi", url="/", segment=["english"])
    err = capsys.readouterr().err
    assert "Sending" in err and "5/5" in err and "push" in err


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the "
                    "JavaScript checks need Node.js 18+")
def test_the_poller_redraws_while_sending_and_stops_when_done():
    """campaign-progress.js against fakes of fetch, timers and the chart registry."""
    from django.contrib.staticfiles import finders

    script = finders.find("wagtail_pushseg/admin/campaign-progress.js")
    harness = Path(__file__).parent / "js" / "progress_harness.js"
    result = subprocess.run([shutil.which("node"), str(harness), script], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
