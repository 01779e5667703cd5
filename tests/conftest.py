import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.test import Client

from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.testing import PushSandbox


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Own media folder and an empty cache (rate-limit counters) for every test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()


@pytest.fixture(scope="session")
def push_sandbox_server():
    """One real sandbox push service for the whole run (HTTP on loopback)."""
    with PushSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(push_sandbox_server, settings):
    """The sandbox, with its origin allowed as an endpoint and its fault settings reset."""
    push_sandbox_server.reset_behaviour()
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG,
        "ALLOWED_ENDPOINT_ORIGINS": [push_sandbox_server.origin],
    }
    return push_sandbox_server


@pytest.fixture
def sandbox_subscription(sandbox):
    """A fresh PushSubscription JSON made for the site's VAPID key, as a browser would."""
    return sandbox.subscribe(pushseg_settings.VAPID_PUBLIC_KEY)


@pytest.fixture
def site_client() -> Client:
    """A client that posts like the site's own script (same Origin, JSON)."""
    return Client(HTTP_ORIGIN="http://testserver")


@pytest.fixture
def editor(django_user_model):
    """An ordinary editor: admin access through the Editors group, no plugin permissions."""
    user = django_user_model.objects.create_user("editor", "editor@example.com", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def push_manager(django_user_model):
    """A non-superuser with the plugin's subscriber permissions."""
    user = django_user_model.objects.create_user("pushman", "pm@example.com", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="wagtail_pushseg",
            codename__in=["view_subscriber", "delete_subscriber", "send_test_push"],
        )
    )
    return user
