"""Why a subscriber is (not) in a segment: each rule's measure and degree, now, next to the
degree stored at the last refresh."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ...models import Membership, Segment, Subscriber
from ...segments.explain import explain
from ..permissions import ANY, RegisteredPolicy, can_inspect_subscribers
from .members import URL, SegmentBreadcrumbsMixin


class SegmentExplainView(PermissionCheckedMixin, SegmentBreadcrumbsMixin,
                         WagtailAdminTemplateMixin, TemplateView):
    """Why a subscriber is (not) in a segment: each rule's measure and degree, now, next to the
    degree stored at the last refresh."""

    permission_policy = RegisteredPolicy(Segment)
    any_permission_required = ANY
    template_name = "wagtail_pushseg/segments/explanation.html"
    page_title = _("Why this degree")
    header_icon = "help"

    def get(self, request, *args, **kwargs):
        self.subscriber = get_object_or_404(Subscriber, pk=kwargs["subscriber_pk"])
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return str(self.subscriber)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            segment=self.segment, subscriber=self.subscriber,
            explanation=explain(self.subscriber, self.segment),
            membership=Membership.objects.filter(
                segment=self.segment, subscriber=self.subscriber
            ).first(),
            members_url=reverse(URL % "members", args=[self.segment.pk]),
            subscriber_url=reverse("wagtail_pushseg_subscribers:inspect",
                                   args=[self.subscriber.pk])
            if can_inspect_subscribers(self.request.user) else "",
            **kwargs,
        )
