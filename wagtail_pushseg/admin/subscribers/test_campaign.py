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
from .subscriber_page import SubscriberPageMixin


class ChooseCampaignForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(),
        help_text=_("Campaigns not sent yet, the latest first."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = (  # type: ignore[attr-defined]  # ModelChoiceField
            Campaign.objects.filter(status__in=Campaign.EDITABLE).order_by("-pk"))


class TestCampaignView(PermissionCheckedMixin, SubscriberPageMixin, WagtailAdminTemplateMixin,
                       FormView):
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

    def form_valid(self, form):
        url = reverse("wagtail_pushseg_campaigns:test_send",
                      args=[form.cleaned_data["campaign"].pk])
        return redirect(f"{url}?{urlencode({'subscriber': self.object.pk})}")
