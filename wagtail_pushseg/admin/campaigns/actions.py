"""Send, test-send and cancel: each needs ``send_campaign``, on GET and on POST alike."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.log_actions import log

from ...campaigns import services
from ...campaigns.payloads import payload_for
from ...campaigns.planning import audience_counts, repushed_count
from ...conf import pushseg_settings
from ...delivery.payload import PayloadTooLarge
from ...models import Campaign, Subscriber
from ...subscribers.direct import send_to_subscriber
from ..permissions import RegisteredPolicy
from .action_forms import SendForm, TestSendForm
from .controls import control_facts
from .prefill import is_scheduled
from .steps import CANCELLABLE, URL, action_buttons


class CampaignActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """One step on one campaign, for users with ``send_campaign`` only."""

    permission_policy = RegisteredPolicy(Campaign)
    permission_required = "send"
    template_name = "wagtail_pushseg/campaigns/action.html"
    header_icon = "mail"
    #: The URL name of this step (its header button is left out).
    step = ""
    submit_label = ""
    intro = ""
    #: States the step applies to; others go back to the details with a message.
    allowed = Campaign.EDITABLE

    @cached_property
    def object(self) -> Campaign:
        # Looked up once the permission check has passed: no 404 before it.
        return get_object_or_404(Campaign, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        return self.not_now() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.not_now() or super().post(request, *args, **kwargs)

    def not_now(self):
        if self.object.status in self.allowed:
            return None
        messages.warning(self.request, _("This campaign is %(status)s: nothing to do here.")
                         % {"status": self.object.get_status_display().lower()})
        return self.done()

    def done(self):
        return redirect(URL % "inspect", self.object.pk)

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(URL % "index"), "label": _("Campaigns")},
            {"url": reverse(URL % "inspect", args=[self.object.pk]), "label": str(self.object)},
            {"url": "", "label": self.page_title},
        ]

    @cached_property
    def header_buttons(self):
        return action_buttons(self.request.user, self.object, current=self.step)

    def get_context_data(self, **kwargs):
        return super().get_context_data(campaign=self.object, submit_label=self.submit_label,
                                        intro=self.intro, **kwargs)


class SendView(CampaignActionView):
    """Send now, schedule, or wait for the page to be published (the campaign's timing)."""

    step = "send"
    page_title = _("Send campaign")
    submit_label = _("Confirm")
    form_class = SendForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "campaign": self.object,
                "repushed": self.repushed}

    @cached_property
    def repushed(self) -> int:
        """Readers the repush guard skips (the counts below are after it)."""
        return repushed_count(self.object)

    def get_context_data(self, **kwargs):
        targets = list(self.object.targets.select_related("segment"))
        reach = audience_counts(self.object)
        for target in targets:
            target.reach = reach.get(target.pk, 0)
        page = self.object.page
        return super().get_context_data(
            targets=targets, total=sum(reach.values()), controls=control_facts(self.object),
            repushed=self.repushed, repush_hours=pushseg_settings.REPUSH_GUARD_HOURS,
            page_already_live=bool(self.object.timing == Campaign.Timing.ON_PUBLISH and page
                                   and page.live and not is_scheduled(page)),
            **kwargs)

    def form_valid(self, form):
        campaign, user = self.object, self.request.user
        timing = form.cleaned_data["timing"]
        send_again = form.cleaned_data.get("send_again", False)
        if send_again != campaign.repush_anyway:
            campaign.repush_anyway = send_again
            campaign.save(update_fields=["repush_anyway"])
        try:
            if timing == Campaign.Timing.AT:
                services.schedule(campaign, form.cleaned_data["send_at"], user)
                messages.success(self.request, _("Campaign scheduled."))
            elif timing == Campaign.Timing.ON_PUBLISH:
                services.wait_for_publish(campaign, user)
                messages.success(self.request,
                                 _("The campaign goes out when its page is published."))
            else:
                services.send_now(campaign, user)
                messages.success(self.request, _("Campaign queued for sending."))
        except services.CampaignStateError as exc:
            messages.error(self.request, _("Not sent: %(reason)s.") % {"reason": exc})
        return self.done()


class TestSendView(CampaignActionView):
    """Each wording (the campaign's and each target's own) to the user's own subscriptions,
    or to one subscriber, right now."""

    step = "test_send"
    page_title = _("Send a test")
    submit_label = _("Send test pushes")
    intro = _("Each wording of this campaign is pushed once: the campaign's own and every "
              "target's that differs from it.")
    form_class = TestSendForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user,
                "chosen": self.chosen_subscriber}

    @cached_property
    def chosen_subscriber(self) -> Subscriber | None:
        """The subscriber the subscriber's page sent the editor here with, if still active."""
        pk = self.request.GET.get("subscriber", "")
        if not pk.isdigit():
            return None
        return Subscriber.objects.filter(pk=pk, status=Subscriber.Status.ACTIVE).first()

    def variants(self) -> list[dict]:
        campaign = self.object
        payloads, seen = [], set()
        from ...campaigns.variants import variants_by_target

        extra = variants_by_target(campaign)
        for key, target, variant in [("base", None, None)] + [
            (f"t{t.pk}" + (f"v{n}" if n else ""), t, v)
            for t in campaign.targets.select_related("segment")
            for n, v in enumerate([None, *extra.get(t.pk, ())])
        ]:
            payload = payload_for(campaign, target, variant=variant)
            if (payload["title"], payload["body"]) in seen:
                continue
            seen.add((payload["title"], payload["body"]))
            # Own tags, so the test pushes do not replace each other on the device.
            payloads.append({**payload, "tag": f"pushseg-test-c{campaign.pk}-{key}"})
        return payloads

    def form_valid(self, form):
        campaign = self.object
        sent = failed = 0
        reasons = []
        for subscriber in form.cleaned_data["subscribers"]:
            for payload in self.variants():
                try:
                    result = send_to_subscriber(subscriber, payload, ttl=campaign.ttl,
                                                urgency=campaign.urgency)
                except PayloadTooLarge as exc:
                    failed += 1
                    reasons.append(str(exc))
                    continue
                if result.ok:
                    sent += 1
                else:
                    failed += 1
                    reasons.append(result.reason or str(result.status or result.outcome.value))
        outcome = _("%(sent)s sent, %(failed)s failed") % {"sent": sent, "failed": failed}
        log(campaign, "wagtail_pushseg.send_test_push", user=self.request.user,
            data={"outcome": str(outcome), "sent": sent, "failed": failed})
        if sent:
            messages.success(self.request, ngettext("%(n)s test push sent.",
                                                    "%(n)s test pushes sent.", sent) % {"n": sent})
        if failed:
            messages.error(self.request, _("%(n)s test pushes were not taken: %(reasons)s")
                           % {"n": failed, "reasons": "; ".join(sorted(set(reasons)))})
        return self.done()


class CancelView(CampaignActionView):
    """Stop the campaign: every push not yet sent is cancelled."""

    step = "cancel"
    page_title = _("Cancel campaign")
    submit_label = _("Yes, cancel it")
    intro = _("Pushes not sent yet will not be sent. This cannot be undone.")
    allowed = CANCELLABLE

    def get_form_class(self):
        from django import forms

        return forms.Form

    def form_valid(self, form):
        try:
            cancelled = services.cancel(self.object, self.request.user)
        except services.CampaignStateError as exc:
            messages.error(self.request, _("Not cancelled: %(reason)s.") % {"reason": exc})
        else:
            messages.success(self.request, ngettext(
                "Campaign cancelled: %(n)s push will not be sent.",
                "Campaign cancelled: %(n)s pushes will not be sent.", cancelled) % {"n": cancelled})
        return self.done()
