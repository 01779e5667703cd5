"""The example site's ``load_demo_data`` command and the pages it builds."""

import json
from datetime import UTC, date, datetime

import pytest
from demo.demo_data import step_rng
from demo.demo_data.pages import article_specs, offer_specs
from demo.demo_data.subscribers import draw_profiles
from demo.models import ArticleIndexPage, ArticlePage, HomePage, OfferIndexPage, OfferPage
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Site

from wagtail_pushseg.conf import pushseg_settings
from wagtail_pushseg.delivery.vapid import generate_keys
from wagtail_pushseg.models import Subscriber
from wagtail_pushseg.testing import SandboxState


pytestmark = pytest.mark.django_db

SANDBOX_URL = "http://127.0.0.1:8001"
SALE_TAGS = {"sale", "clearance", "discount"}


@pytest.fixture(autouse=True)
def _sandbox_origin_allowed(settings):
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG,
        "ALLOWED_ENDPOINT_ORIGINS": [SANDBOX_URL],
    }


@pytest.fixture
def sandbox_state(tmp_path):
    return tmp_path / "sandbox.json"


@pytest.fixture
def load(sandbox_state):
    def run(**options):
        options = {"subscribers": 20, "sandbox_state": sandbox_state, "verbosity": 0, **options}
        call_command("load_demo_data", **options)

    return run


def tag_names(page) -> set[str]:
    return {tag.name for tag in page.tags.all()}


def test_builds_a_live_tagged_page_tree_as_the_site_root(load):
    load()

    home = HomePage.objects.get()
    site = Site.objects.get(is_default_site=True)
    assert site.root_page_id == home.pk
    # Wagtail's "Welcome" placeholder is gone.
    assert not home.get_siblings(inclusive=False).exists()
    assert ArticleIndexPage.objects.child_of(home).live().count() == 1
    assert OfferIndexPage.objects.child_of(home).live().count() == 1

    articles = list(ArticlePage.objects.all())
    offers = list(OfferPage.objects.all())
    assert len(articles) >= 20 and len(offers) >= 12
    assert all(page.live and not page.has_unpublished_changes for page in articles + offers)
    assert all(tag_names(page) for page in articles + offers)

    on_sale = [offer for offer in offers if tag_names(offer) & SALE_TAGS]
    assert 0 < len(on_sale) < len(offers)
    assert all(offer.old_price and offer.old_price > offer.price for offer in on_sale)
    assert any(tag_names(article) & SALE_TAGS for article in articles)


def test_the_seed_alone_decides_the_generated_data():
    today = date(2025, 3, 14)
    now = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

    def draw(seed):
        rng = step_rng(seed, "pages")
        pages = article_specs(rng, today) + offer_specs(rng, today)
        profiles = draw_profiles(step_rng(seed, "subscribers"), 50, now)
        return pages, profiles

    assert draw(42) == draw(42)
    assert draw(42) != draw(43)


def test_pages_render_and_the_home_page_carries_the_push_prompt(load, client):
    load()

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-pushseg-prompt" in html
    assert "data-pushseg-toggle" in html
    assert 'id="pushseg-config"' in html
    assert OfferPage.objects.order_by("-first_published_at").first().title in html
    for page in [
        ArticleIndexPage.objects.get(),
        OfferIndexPage.objects.get(),
        ArticlePage.objects.first(),
        OfferPage.objects.first(),
    ]:
        assert client.get(page.url).status_code == 200, page.url
    sale_tag = next(t for o in OfferPage.objects.all() for t in tag_names(o) if t in SALE_TAGS)
    filtered = client.get(OfferIndexPage.objects.get().url, {"tag": sale_tag})
    assert filtered.status_code == 200
    listed = list(filtered.context["children"])
    assert listed and all(sale_tag in tag_names(offer) for offer in listed)


def test_creates_the_demo_logins(load):
    load()
    User = get_user_model()

    admin = User.objects.get(username="admin")
    editor = User.objects.get(username="editor")

    assert admin.is_superuser and admin.check_password("changeme")
    assert admin.email == "admin@example.com"
    assert not editor.is_superuser and editor.check_password("changeme")
    assert editor.groups.filter(name="Editors").exists()
    assert editor.has_perm("wagtailadmin.access_admin")


def test_creates_active_subscribers_backed_by_the_sandbox(load, sandbox_state):
    load()

    subscribers = Subscriber.objects.active()
    assert subscribers.count() == 20
    assert all(s.endpoint.startswith(f"{SANDBOX_URL}/push/") for s in subscribers)
    assert len({s.timezone for s in subscribers}) > 1
    assert len({s.browser for s in subscribers}) > 1

    state = SandboxState.load(sandbox_state)
    assert len(state) == 20
    assert {sub.endpoint for sub in state.subscriptions()} == {s.endpoint for s in subscribers}


def test_running_twice_keeps_the_same_subscribers(load, sandbox_state):
    load()
    before = set(Subscriber.objects.values_list("endpoint", "created_at", "timezone"))
    page_count = ArticlePage.objects.count() + OfferPage.objects.count()

    load()

    assert Subscriber.objects.active().count() == 20
    assert set(Subscriber.objects.values_list("endpoint", "created_at", "timezone")) == before
    assert ArticlePage.objects.count() + OfferPage.objects.count() == page_count
    assert len(SandboxState.load(sandbox_state)) == 20


def test_fewer_subscribers_on_a_second_run_removes_the_rest(load):
    load()
    load(subscribers=5)
    assert Subscriber.objects.count() == 5


def test_a_new_vapid_key_starts_a_fresh_sandbox(load, sandbox_state, settings):
    load()
    old_endpoints = set(Subscriber.objects.values_list("endpoint", flat=True))
    private, public = generate_keys()
    settings.WAGTAIL_PUSHSEG = {
        **settings.WAGTAIL_PUSHSEG,
        "VAPID_PUBLIC_KEY": public,
        "VAPID_PRIVATE_KEY": private,
    }

    load()

    new_endpoints = set(Subscriber.objects.values_list("endpoint", flat=True))
    assert len(new_endpoints) == 20 and not new_endpoints & old_endpoints
    saved = json.loads(sandbox_state.read_text())
    assert {s["application_server_key"] for s in saved["subscriptions"]} == {
        pushseg_settings.VAPID_PUBLIC_KEY
    }
