"""From a subscriber's page to a campaign's test-send with this subscriber already chosen
(the campaign's own test-send form cannot ask for a subscriber by number)."""

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ...models import Campaign, Subscriber
from ..permissions import RegisteredPolicy


class ChooseCampaignForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(),
        help_text=_("Campaigns not sent yet, the latest first."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = (
            Campaign.objects.filter(status__in=Campaign.EDITABLE).order_by("-pk"))


class TestCampaignView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Pick a campaign; its test-send page opens with this subscriber chosen (needs
    ``send_campaign``, like the test-send itself)."""

    permission_policy = RegisteredPolicy(Campaign)
    permission_required = "send"
    template_name = "wagtail_pushseg/subscribers/test_campaign.html"
    form_class = ChooseCampaignForm
    page_title = _("Test a campaign on this subscriber")
    header_icon = "mail"

    @cached_property
    def object(self) -> Subscriber:
        return get_object_or_404(Subscriber, pk=self.kwargs["pk"],
                                 status=Subscriber.Status.ACTIVE)

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtail_pushseg_subscribers:index"), "label": _("Subscribers")},
            {"url": reverse("wagtail_pushseg_subscribers:inspect", args=[self.object.pk]),
             "label": str(self.object)},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(subscriber=self.object, **kwargs)

    def form_valid(self, form):
        url = reverse("wagtail_pushseg_campaigns:test_send",
                      args=[form.cleaned_data["campaign"].pk])
        return redirect(f"{url}?{urlencode({'subscriber': self.object.pk})}")
