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
