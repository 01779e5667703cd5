"""The VAPID private key never leaves the settings: not in pages (public or admin, as a
superuser), not in logs (a send with failures, captured at DEBUG), not in django-q2's queue,
task results or schedules."""

import base64
import logging
import pickle

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.campaigns.conftest import target
from tests.segments.conftest import block, make_segment
from wagtail_pushseg.campaigns import services
from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.delivery.payload import build_payload
from wagtail_pushseg.models import Campaign, Delivery
from wagtail_pushseg.subscribers.direct import send_to_subscriber

from .admin_urls import make_suggestion, plugin_admin_urls
from .public_urls import public_urls


pytestmark = pytest.mark.django_db


def forms_of_the_key() -> list[str]:
    """The key as configured, and the other ways its 32 bytes could be written out."""
    key = pushseg_settings.VAPID_PRIVATE_KEY
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 32
    return [key, key[:24], raw.hex(), base64.b64encode(raw).decode().rstrip("=")[:24]]


def leaks(text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    return [form for form in forms_of_the_key() if form in text]


@pytest.fixture
def campaign_with_failures(pages, make_sandbox_subscribers, sandbox):
    subscribers = make_sandbox_subscribers(4, language="de-DE")
    sandbox.set_behaviour(subscribers[0].endpoint, status=410)
    sandbox.set_behaviour(subscribers[1].endpoint, status=500)
    sandbox.set_behaviour(subscribers[2].endpoint, status=403)
    campaign = Campaign.objects.create(title="Deal", body="Today only", page=pages["offer"])
    target(campaign, make_segment([block("language", languages=["de"])], name="German"), 0)
    return campaign, subscribers


@pytest.fixture
def all_logs():
    """Every record at DEBUG and above, from every logger (django-q's included)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(logging.DEBUG)
    loggers = [logging.getLogger(), logging.getLogger("django-q")]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield records
    for lg, level in saved:
        lg.removeHandler(handler)
        lg.setLevel(level)


def record_text(record: logging.LogRecord) -> str:
    text = record.getMessage() + repr(record.args) + repr(record.__dict__)
    if record.exc_info:
        text += logging.Formatter().formatException(record.exc_info)
    return text


def test_pages_never_show_the_private_key(admin_client, client, site_client, pages,
                                          campaign_with_failures, settings):
    campaign, subscribers = campaign_with_failures
    objects = {"campaign": campaign, "subscriber": subscribers[0], "page": pages["offer"],
               "segment": campaign.targets.first().segment,
               "suggestion": make_suggestion("Secrets suggestion")}
    checked = []
    for url in [u.fill(objects) for u in plugin_admin_urls()] + [
        reverse("wagtailadmin_home"), reverse("wagtailadmin_pages:edit", args=[pages["offer"].pk]),
        reverse("wagtailadmin_reports:site_history"),
    ]:
        response = admin_client.get(url)
        assert not leaks(response.content), url
        checked.append(response.status_code)
    for url in public_urls() + ["/", pages["article"].url, pages["offer"].url]:
        for response in (client.get(url), site_client.post(url, "{}",
                                                           content_type="application/json")):
            assert not leaks(response.content), url
    # The pages were really rendered (not all refused), including the key-related ones.
    assert checked.count(200) >= 20
    assert pushseg_settings.VAPID_PUBLIC_KEY in client.get(
        reverse("wagtail_pushseg:vapid_public_key")).content.decode()


def test_system_checks_do_not_print_a_broken_key(settings, capsys):
    broken = pushseg_settings.VAPID_PRIVATE_KEY[:-4] + "!!!!"
    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG, "VAPID_PRIVATE_KEY": broken}
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError) as failure:
        call_command("check")
    assert "VAPID_PRIVATE_KEY" in str(failure.value)
    assert broken[:24] not in str(failure.value) + capsys.readouterr().out


def test_logs_of_a_send_with_failures_never_hold_the_key(
    campaign_with_failures, inline_tasks, all_logs, django_capture_on_commit_callbacks
):
    campaign, subscribers = campaign_with_failures
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    statuses = set(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True))
    assert {"sent", "expired"} <= statuses and statuses - {"sent", "expired"}
    send_to_subscriber(subscribers[3], build_payload(title="Test"))  # the admin's test push
    assert all_logs, "nothing was logged: the capture is broken"
    for record in all_logs:
        assert not leaks(record_text(record)), record.getMessage()


def test_django_q_never_carries_the_key(
    campaign_with_failures, django_capture_on_commit_callbacks, monkeypatch
):
    """First as queued on the ORM broker (no cluster: the rows stay to be read), then run
    inline so task results and the schedules exist too."""
    from django_q.conf import Conf
    from django_q.models import OrmQ, Schedule, Task

    campaign, _subscribers = campaign_with_failures
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    queued = list(OrmQ.objects.all())
    assert queued, "sending queued nothing"
    for row in queued:
        task = row.task
        assert not leaks(row.payload)
        assert not leaks(pickle.dumps((task.get("args"), task.get("kwargs"))).hex())
        assert not leaks(repr(task))

    monkeypatch.setattr(Conf, "SYNC", True)
    OrmQ.objects.all().delete()
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign)
    tasks = list(Task.objects.all())
    assert tasks, "no task results were saved"
    for task in tasks:
        assert not leaks(repr((task.func, task.args, task.kwargs, task.result))), task.func
    schedules = list(Schedule.objects.all())
    assert schedules  # migrate creates the plugin's schedules
    for schedule in schedules:
        assert not leaks(repr((schedule.func, schedule.args, schedule.kwargs, schedule.hook)))
