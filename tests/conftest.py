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
    push_sandbox_server.reset()  # behaviours, counts and inboxes; subscriptions stay
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


@pytest.fixture
def pages(db):
    """A small shop: home, a tagged article and a sale offer, home as the default site root."""
    from decimal import Decimal

    from demo.models import ArticleIndexPage, ArticlePage, HomePage, OfferIndexPage, OfferPage
    from wagtail.models import Page, Site

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Shop home", slug="shop-home"))
    Site.objects.update(root_page=home)
    magazine = home.add_child(instance=ArticleIndexPage(title="Magazine", slug="magazine"))
    shop = home.add_child(instance=OfferIndexPage(title="Shop", slug="shop"))
    article = ArticlePage(title="Best laptops", slug="best-laptops", date="2026-11-01")
    article.tags.add("laptops", "reviews")
    magazine.add_child(instance=article)
    offer = OfferPage(title="Headphones deal", slug="headphones", price=Decimal("49.00"))
    offer.tags.add("audio", "sale")
    shop.add_child(instance=offer)
    return {"home": home, "article": article, "offer": offer}


@pytest.fixture
def subscribed(site_client, sandbox_subscription):
    """A browser that subscribed through the API: (client with the visitor cookie, subscriber)."""
    import json

    from wagtail_pushseg.models import Subscriber

    response = site_client.post(
        "/pushseg/api/subscribe",
        json.dumps({**sandbox_subscription, "timezone": "Europe/Berlin"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    site_client.defaults["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0 Safari/537.36"
    )
    return site_client, Subscriber.objects.get(endpoint=sandbox_subscription["endpoint"])
