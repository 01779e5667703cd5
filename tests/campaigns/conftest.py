import pytest
from django.contrib.auth.models import Group

from wagtail_pushseg.models import Campaign, CampaignTarget, Segment, Subscriber
from wagtail_pushseg.subscribers.services import parse_subscription, subscribe


def target(campaign: Campaign, segment: Segment, order: int, **wording) -> CampaignTarget:
    return CampaignTarget.objects.create(campaign=campaign, segment=segment, sort_order=order,
                                         **wording)


@pytest.fixture
def make_sandbox_subscribers(sandbox, settings):
    """Real subscriptions from the sandbox, stored through the plugin's own service."""
    key = settings.WAGTAIL_PUSHSEG["VAPID_PUBLIC_KEY"]

    def make(n: int, **fields) -> list[Subscriber]:
        made = []
        for _ in range(n):
            subscriber, _ = subscribe(parse_subscription(sandbox.subscribe(key)))
            for name, value in fields.items():
                setattr(subscriber, name, value)
            subscriber.save()
            made.append(subscriber)
        return made

    return make


@pytest.fixture
def inline_tasks(monkeypatch):
    """django-q2 runs tasks inline; it reads Q_CLUSTER once at import, so patch its Conf."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def moderator(django_user_model):
    """A non-superuser in Wagtail's Moderators group (which the data migration lets send)."""
    user = django_user_model.objects.create_user("moderator", "mod@example.com", "pw")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def sent(make_sandbox_subscribers, sandbox, pages, django_capture_on_commit_callbacks):
    """Two German subscribers got a push about the article; returns (campaign, subscribers)."""
    from .sent import language_segment, new_campaign, send  # sent.py imports this module

    subscribers = make_sandbox_subscribers(2, language="de-DE")
    campaign = new_campaign(language_segment("de", "German"), page=pages["article"])
    send(campaign, django_capture_on_commit_callbacks)
    return campaign, subscribers
