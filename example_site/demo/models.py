"""Page types of the demo: an online shop with a magazine, tagged so that segments can use them.

Both tagged page types expose ``tags`` (a ``ClusterTaggableManager``), which is what the plugin
records for each page view. The search description sits in the default promote panels.
"""

import swapper
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from wagtail_pushseg.panels import PushPanel


# Tags a visitor reads are what segments are made of; these mark the bargain pages.
SALE_TAGS = ("sale", "clearance", "discount")


class HomePage(Page):
    """The site root: an intro and the latest articles and offers."""

    intro = RichTextField(_("intro"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = [swapper.get_model_name("wagtailcore", "Page")]
    subpage_types = ["demo.ArticleIndexPage", "demo.OfferIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        magazine = ArticleIndexPage.objects.live().child_of(self).first()
        shop = OfferIndexPage.objects.live().child_of(self).first()
        articles = ArticlePage.objects.live().public().descendant_of(self).prefetch_related("tags")
        offers = OfferPage.objects.live().public().descendant_of(self).prefetch_related("tags")
        context.update(
            magazine=magazine,
            shop=shop,
            magazine_url=magazine.get_url(request) if magazine else "",
            shop_url=shop.get_url(request) if shop else "",
            latest_articles=articles.order_by("-date", "-pk")[:6],
            latest_offers=offers.order_by("-first_published_at", "-pk")[:6],
        )
        return context


def listing_context(context: dict, request, children: models.QuerySet) -> dict:
    """Index pages list their live children, optionally narrowed to one ``?tag=``."""
    tag = request.GET.get("tag", "").strip()
    if tag:
        children = children.filter(tags__slug=tag).distinct()
    context["children"] = children.prefetch_related("tags")
    context["current_tag"] = tag
    return context


class ArticleIndexPage(Page):
    """The magazine: reviews, how-tos and news."""

    intro = RichTextField(_("intro"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["demo.HomePage"]
    subpage_types = ["demo.ArticlePage"]

    class Meta:
        verbose_name = _("article index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = ArticlePage.objects.live().public().child_of(self).order_by("-date", "-pk")
        return listing_context(context, request, articles)


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "demo.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ArticlePage(Page):
    """A magazine article."""

    date = models.DateField(_("date"))
    intro = models.CharField(_("intro"), max_length=250, blank=True)
    body = RichTextField(_("body"), blank=True)
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True, verbose_name=_("tags"))

    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("date"), FieldPanel("tags")], heading=_("Article details")),
        FieldPanel("intro"),
        FieldPanel("body"),
        PushPanel(),
    ]

    parent_page_types = ["demo.ArticleIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("article")


class OfferIndexPage(Page):
    """The shop: product offers, some of them on sale."""

    intro = RichTextField(_("intro"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["demo.HomePage"]
    subpage_types = ["demo.OfferPage"]

    class Meta:
        verbose_name = _("offer index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        offers = OfferPage.objects.live().public().child_of(self).order_by("title")
        return listing_context(context, request, offers)


class OfferPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "demo.OfferPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class OfferPage(Page):
    """A product offer in the shop."""

    intro = models.CharField(_("intro"), max_length=250, blank=True)
    body = RichTextField(_("body"), blank=True)
    price = models.DecimalField(_("price"), max_digits=8, decimal_places=2)
    old_price = models.DecimalField(
        _("old price"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Shown struck through when the offer is reduced."),
    )
    tags = ClusterTaggableManager(through=OfferPageTag, blank=True, verbose_name=_("tags"))

    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("price"), FieldPanel("old_price"), FieldPanel("tags")],
            heading=_("Offer details"),
        ),
        FieldPanel("intro"),
        FieldPanel("body"),
        PushPanel(),
    ]

    parent_page_types = ["demo.OfferIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("offer")

    @property
    def is_reduced(self) -> bool:
        return self.old_price is not None and self.old_price > self.price

    @property
    def is_on_sale(self) -> bool:
        return any(tag.slug in SALE_TAGS for tag in self.tags.all())
