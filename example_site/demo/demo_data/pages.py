"""Step 1: the page tree, a shop home with a Magazine of articles and a Shop of offers.

Pages are matched by slug under their parent. A missing page is created and published, a page
that exists is left as it is, so running the command again keeps what editors changed; the
command's ``--reset`` removes the generated pages first.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page, Site

from ..models import ArticleIndexPage, ArticlePage, HomePage, OfferIndexPage, OfferPage
from . import content as c


SITE_NAME = "Pushseg Demo Shop"
HOME_INTRO = (
    "<p>Laptops, phones, cameras and more, with a magazine of reviews, how-tos and news. "
    "Subscribe to notifications and we will only tell you about what you care about.</p>"
)
MAGAZINE_INTRO = "<p>Reviews, how-tos and news from the team.</p>"
SHOP_INTRO = "<p>This month's offers. Sale items are marked in red.</p>"


@dataclass(frozen=True)
class PageSpec:
    """What one generated page should look like."""

    model: type[Page]
    title: str
    fields: dict[str, Any]
    tags: tuple[str, ...] = ()
    published_at: datetime | None = None

    @property
    def slug(self) -> str:
        return slugify(self.title)[:80]


@dataclass
class PagesResult:
    """The demo's main pages and what the step did."""

    site: Site
    home: HomePage
    magazine: ArticleIndexPage
    shop: OfferIndexPage
    articles: list[ArticlePage]
    offers: list[OfferPage]
    created: int
    existing: int


@dataclass
class _Counts:
    created: int = 0
    existing: int = 0


def _paragraphs(rng: random.Random, pool: list[str], count: int, **words: str) -> str:
    return "".join(f"<p>{text.format(**words)}</p>" for text in rng.sample(pool, count))


def _published_at(rng: random.Random, day: date) -> datetime:
    moment = datetime.combine(day, time(hour=rng.randint(7, 19), minute=rng.randrange(0, 60, 5)))
    return timezone.make_aware(moment)


def article_specs(rng: random.Random, today: date) -> list[PageSpec]:
    """~24 articles: a review, a how-to and a news piece per category, plus three deal pieces."""
    specs: list[PageSpec] = []
    seen: set[str] = set()
    plans = [(cat, topic) for cat in c.CATEGORIES for topic in c.TOPICS]
    plans += [(rng.choice(c.CATEGORIES), deal) for deal in c.DEAL_ARTICLES]
    rng.shuffle(plans)
    for index, (category, topic) in enumerate(plans):
        info = c.PRODUCTS[category]
        product, _ = rng.choice(info["items"])
        words = {
            "product": product,
            "noun": info["noun"],
            "verdict": rng.choice(c.VERDICTS),
        }
        tags = [category]
        if isinstance(topic, tuple):  # a deal article: sale tag instead of a topic
            title_template, sale_tag = topic
            tags += [sale_tag, "news"]
            intro = c.DEAL_INTRO.format(**words)
        else:
            title_template = rng.choice(c.TITLES[topic])
            tags.append(topic)
            intro = c.INTROS[topic].format(**words)
        if category in c.RELATED and rng.random() < 0.35:
            tags.append(c.RELATED[category])
        title = title_template.format(**words)
        title = title[0].upper() + title[1:]
        if slugify(title) in seen:
            title = f"{title} (part {index + 1})"
        seen.add(slugify(title))
        # Spread over four months, newest first in the plan order, a few days apart.
        day = today - timedelta(days=index * 5 + rng.randint(0, 4))
        specs.append(
            PageSpec(
                model=ArticlePage,
                title=title,
                fields={
                    "date": day,
                    "intro": intro,
                    "body": _paragraphs(rng, c.PARAGRAPHS, 3, **words),
                    "search_description": intro,
                },
                tags=tuple(dict.fromkeys(tags)),
                published_at=_published_at(rng, day),
            )
        )
    return specs


def offer_specs(rng: random.Random, today: date, count: int = 16) -> list[PageSpec]:
    """16 offers across the categories; four in ten carry a sale tag and an old price."""
    specs: list[PageSpec] = []
    categories = list(c.CATEGORIES) * 2 + rng.sample(c.CATEGORIES, count - 2 * len(c.CATEGORIES))
    # A fixed share on sale, so that every seed has pages for bargain hunters.
    on_sale = set(rng.sample(range(count), round(count * 0.4)))
    used: set[str] = set()
    for index, category in enumerate(categories[:count]):
        info = c.PRODUCTS[category]
        product, usual = rng.choice([i for i in info["items"] if i[0] not in used] or info["items"])
        used.add(product)
        # Shop prices end in 9.99 and wander a little around the usual price.
        price = Decimal(round(usual * rng.uniform(0.85, 1.05), -1)) - Decimal("0.01")
        words = {"product": product, "noun": info["noun"]}
        tags = [category]
        old_price = None
        if index in on_sale:
            sale_tag = rng.choice(c.SALE_TAGS)
            saving = rng.choice((10, 15, 20, 25, 30, 40))
            full = (price * 100 / (100 - saving)).quantize(Decimal("1"))
            old_price = full - Decimal("0.01")
            tags.append(sale_tag)
            intro = c.SALE_INTROS[sale_tag].format(saving=saving, **words)
        else:
            intro = rng.choice(c.OFFER_INTROS).format(**words)
        day = today - timedelta(days=index * 3 + rng.randint(0, 2))
        specs.append(
            PageSpec(
                model=OfferPage,
                title=product,
                fields={
                    "intro": intro,
                    "body": _paragraphs(rng, c.OFFER_PARAGRAPHS, 2),
                    "price": price,
                    "old_price": old_price,
                    "search_description": intro,
                },
                tags=tuple(tags),
                published_at=_published_at(rng, day),
            )
        )
    return specs


def _publish(page: Page, published_at: datetime | None) -> None:
    page.save_revision().publish()
    if published_at is not None:
        # Backdated, so "latest" lists and later behaviour histories look like a living site.
        Page.objects.filter(pk=page.pk).update(
            first_published_at=published_at, last_published_at=published_at
        )
        page.first_published_at = page.last_published_at = published_at


def ensure_page(parent: Page, spec: PageSpec, counts: _Counts) -> Page:
    """The child of ``parent`` with the spec's slug, created and published if missing."""
    existing = parent.get_children().filter(slug=spec.slug).first()
    if existing is not None:
        counts.existing += 1
        return existing.specific
    page = spec.model(title=spec.title, slug=spec.slug, **spec.fields)
    parent.add_child(instance=page)
    if spec.tags:
        page.tags.set(list(spec.tags))
    _publish(page, spec.published_at)
    counts.created += 1
    return page


def _default_site(site_url: str | None) -> Site:
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site(hostname="localhost", port=80, is_default_site=True)
    if site_url:
        # Full page URLs (admin "view live", notification links) must point at the running demo.
        parts = urlsplit(site_url)
        site.hostname = parts.hostname or site.hostname
        site.port = parts.port or (443 if parts.scheme == "https" else 80)
    return site


def _welcome_placeholder(root: Page) -> Page | None:
    """Wagtail's untouched "Welcome" page, the only page this step ever removes."""
    page = root.get_children().filter(slug="home").first()
    if page is None or page.specific_class is not Page or page.get_children().exists():
        return None
    return page


def ensure_home(site: Site, counts: _Counts) -> HomePage:
    """The HomePage as the site root, replacing Wagtail's default "Welcome" page."""
    home = HomePage.objects.first()
    placeholder = None
    if home is not None:
        counts.existing += 1
    else:
        root = Page.get_first_root_node()
        placeholder = _welcome_placeholder(root)
        if placeholder is not None:
            # It holds the slug "home"; move it aside until the site no longer points at it.
            placeholder.slug = f"welcome-{placeholder.pk}"
            placeholder.save()
        slug = "home" if not root.get_children().filter(slug="home").exists() else "demo-home"
        home = HomePage(title=SITE_NAME, slug=slug, intro=HOME_INTRO)
        root.add_child(instance=home)
        _publish(home, None)
        counts.created += 1
    site.root_page = home
    site.site_name = SITE_NAME
    site.save()  # same values on a second run
    if placeholder is not None:
        placeholder.delete()
    return home


def _ensure_index(home: HomePage, model, title: str, intro: str, counts: _Counts) -> Page:
    slug = slugify(title)
    page = home.get_children().filter(slug=slug).first()
    if page is not None:
        counts.existing += 1
        return page.specific
    page = model(title=title, slug=slug, intro=intro, show_in_menus=True)
    home.add_child(instance=page)
    _publish(page, None)
    counts.created += 1
    return page


def remove_generated_pages() -> int:
    """Delete the demo's home page and everything under it (for ``--reset``)."""
    count = 0
    for home in HomePage.objects.all():
        count += home.get_descendant_count() + 1
        home.delete()
    return count


@transaction.atomic
def create_pages(
    rng: random.Random, *, site_url: str | None = None, today: date | None = None
) -> PagesResult:
    """Build (or complete) the demo page tree and make it the root of the default site,
    served at ``site_url`` (``scheme://host:port``) when given."""
    today = today or timezone.localdate()
    # Both lists are drawn before looking at the database, so the seed alone decides them.
    articles, offers = article_specs(rng, today), offer_specs(rng, today)
    counts = _Counts()
    site = _default_site(site_url)
    home = ensure_home(site, counts)
    magazine = _ensure_index(home, ArticleIndexPage, "Magazine", MAGAZINE_INTRO, counts)
    shop = _ensure_index(home, OfferIndexPage, "Shop", SHOP_INTRO, counts)
    return PagesResult(
        site=site,
        home=home,
        magazine=magazine,
        shop=shop,
        articles=[ensure_page(magazine, spec, counts) for spec in articles],
        offers=[ensure_page(shop, spec, counts) for spec in offers],
        created=counts.created,
        existing=counts.existing,
    )
