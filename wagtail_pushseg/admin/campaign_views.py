"""The campaign viewset's own views: listing, composer (create/edit), details, delete."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.widgets import HeaderButton
from wagtail.admin.widgets.button import MenuItem

from ..campaigns.planning import audience_counts
from ..campaigns.results import funnels_by_target
from ..campaigns.services import CampaignStateError
from ..models import Campaign
from .campaign_controls import control_facts
from .campaign_permissions import can_send
from .campaign_prefill import initial_from_page, page_by_id


URL = "wagtail_pushseg_campaigns:%s"

#: Columns the composer never writes: they belong to the state machine.
STATE_FIELDS = ("status", "status_reason", "queued_at", "finished_at", "created_by_id",
                "created_at")


#: States a campaign can be deleted in: deleting a scheduled one would cancel it without the
#: send permission, and a sent one is history.
DELETABLE = (Campaign.Status.DRAFT, Campaign.Status.CANCELLED, Campaign.Status.FAILED)

#: States a campaign can be cancelled in (a draft is simply deleted or left alone).
CANCELLABLE = (Campaign.Status.SCHEDULED, Campaign.Status.WAITING, Campaign.Status.PLANNING,
               Campaign.Status.SENDING)


def action_buttons(user, campaign: Campaign, current: str = "") -> list[HeaderButton]:
    """Header buttons for the send steps ``user`` may take with ``campaign`` next."""
    if not can_send(user):
        return []
    steps = []
    if campaign.is_editable:
        steps += [("send", _("Send…"), "mail", 10), ("test_send", _("Send a test"), "user", 20)]
    if campaign.status in CANCELLABLE:
        steps.append(("cancel", _("Cancel campaign"), "cross", 30))
    return [
        HeaderButton(label, url=reverse(URL % step, args=[campaign.pk]), icon_name=icon,
                     priority=priority)
        for step, label, icon, priority in steps if step != current
    ]


def after_save_url(user, campaign: Campaign) -> str:
    """Where the composer goes after saving: a sender confirms how a ready draft goes out next;
    everyone else sees the campaign's details."""
    if campaign.status == Campaign.Status.DRAFT and can_send(user) and campaign.targets.exists():
        return reverse(URL % "send", args=[campaign.pk])
    return reverse(URL % "inspect", args=[campaign.pk])


class CampaignIndexView(generic.IndexView):
    """Campaigns, newest first; a finished campaign opens its details, not the composer."""

    def get_edit_url(self, instance):
        # No edit link for a campaign that went out: the title then leads to its details.
        return super().get_edit_url(instance) if instance.is_editable else None

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if instance.status in DELETABLE else None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.is_editable and can_send(self.request.user):
            buttons.append(MenuItem(_("Send…"), url=reverse(URL % "send", args=[instance.pk]),
                                    icon_name="mail", priority=15))
        return buttons


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


class CampaignInspectView(generic.InspectView):
    """A campaign's details: wording per target, audience or results, and what comes next."""

    template_name = "wagtail_pushseg/campaigns/inspect.html"

    def get_fields(self):
        return []

    def get_edit_url(self):
        return super().get_edit_url() if self.object.is_editable else None

    def get_delete_url(self):
        return super().get_delete_url() if self.object.status in DELETABLE else None

    @cached_property
    def header_buttons(self):
        return action_buttons(self.request.user, self.object)

    def get_context_data(self, **kwargs):
        campaign = self.object
        targets = list(campaign.targets.select_related("segment"))
        if campaign.status in Campaign.EDITABLE:
            reach = audience_counts(campaign)
            for target in targets:
                target.reach = reach.get(target.pk, 0)
        per_target = funnels_by_target(campaign.pk)
        for target in targets:
            target.funnel = per_target.get(target.pk)
        return super().get_context_data(
            campaign=campaign,
            targets=targets,
            excluded=list(campaign.excluded_segments.all()),
            planned=campaign.status not in Campaign.EDITABLE,
            controls=control_facts(campaign),
            **kwargs,
        )


class CampaignDeleteView(generic.DeleteView):
    """Only drafts and cancelled or failed campaigns can be deleted (``DELETABLE``)."""

    def get(self, request, *args, **kwargs):
        return self.refuse() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refuse() or super().post(request, *args, **kwargs)

    def refuse(self):
        if self.object.status in DELETABLE:
            return None
        messages.warning(self.request, _("Only drafts and cancelled campaigns can be deleted."))
        return redirect(URL % "inspect", self.object.pk)

    def delete_action(self):
        with transaction.atomic():
            locked = Campaign.objects.select_for_update().filter(pk=self.object.pk,
                                                                 status__in=DELETABLE)
            if not locked.exists():
                return
            super().delete_action()
