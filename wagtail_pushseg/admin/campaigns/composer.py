"""The composer: a new campaign (prefilled from a page) and a saved one, while it can change."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic

from ...campaigns.services import CampaignStateError
from ...models import Campaign
from ..permissions import can_send_campaigns
from .prefill import initial_from_page, page_by_id
from .steps import URL, action_buttons


#: Columns the composer never writes: they belong to the state machine.
STATE_FIELDS = ("status", "status_reason", "queued_at", "finished_at", "created_by_id",
                "created_at")


def after_save_url(user, campaign: Campaign) -> str:
    """Where the composer goes after saving: a sender confirms how a ready draft goes out next;
    everyone else sees the campaign's details."""
    if (campaign.status == Campaign.Status.DRAFT and can_send_campaigns(user)
            and campaign.targets.exists()):
        return reverse(URL % "send", args=[campaign.pk])
    return reverse(URL % "inspect", args=[campaign.pk])


class CampaignCreateView(generic.CreateView):
    """The composer for a new campaign; ``?page=<id>`` prefills it from a page."""

    def get_initial(self):
        initial = super().get_initial()
        page = page_by_id(self.request.GET.get("page"))
        timing = self.request.GET.get("timing")
        if page is not None:
            initial.update(initial_from_page(page, self.request, timing))
        elif timing in Campaign.Timing.values:
            initial["timing"] = timing
        return initial

    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()

    def get_success_url(self):
        return after_save_url(self.request.user, self.object)


class CampaignEditView(generic.EditView):
    """The composer for a saved campaign, only while it is a draft, scheduled or waiting."""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_editable:
            return self.not_editable()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_editable:
            return self.not_editable()
        return super().post(request, *args, **kwargs)

    def not_editable(self):
        messages.warning(self.request, _("A %(status)s campaign can no longer be changed.")
                         % {"status": self.object.get_status_display().lower()})
        return redirect(URL % "inspect", self.object.pk)

    def save_instance(self):
        # The campaign may have moved on (sent by a schedule) since the form was loaded: lock
        # the row and keep what the state machine owns.
        current = (Campaign.objects.select_for_update().filter(pk=self.object.pk)
                   .values(*STATE_FIELDS, "timing", "send_at").first())
        if current is None or current["status"] not in Campaign.EDITABLE:
            raise CampaignStateError("no longer editable")
        instance = self.form.instance
        for name in STATE_FIELDS:
            setattr(instance, name, current[name])
        if current["status"] != Campaign.Status.DRAFT:
            instance.timing, instance.send_at = current["timing"], current["send_at"]
        return super().save_instance()

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except CampaignStateError:
            self.object.refresh_from_db()
            return self.not_editable()

    def get_success_url(self):
        return after_save_url(self.request.user, self.object)

    @cached_property
    def header_buttons(self):
        return action_buttons(self.request.user, self.object)
