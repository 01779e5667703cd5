"""What the pages about one subscriber share: subtitle, breadcrumbs and context."""

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ...models import Subscriber
from ..breadcrumbs import breadcrumbs


class SubscriberPageMixin:
    """For a view whose ``object`` is the subscriber: Subscribers › <subscriber> › <page>,
    the subscriber as subtitle and as ``subscriber`` in the context."""

    if TYPE_CHECKING:  # the view's own (a cached property); nothing is shadowed at run time

        @property
        def object(self) -> Subscriber: ...

    def get_page_subtitle(self) -> str:
        return str(self.object)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return breadcrumbs(
            self,
            (reverse("wagtail_pushseg_subscribers:index"), _("Subscribers")),
            (reverse("wagtail_pushseg_subscribers:inspect", args=[self.object.pk]),
             str(self.object)),
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(  # type: ignore[misc]  # from the view it is mixed into
            subscriber=self.object, **kwargs
        )
