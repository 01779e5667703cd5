"""Forms of the send, test-send and cancel steps."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateTimeInput

from ...models import Campaign, Subscriber


class SendForm(forms.Form):
    """How the campaign goes out: now, at a time, or when its page is published."""

    timing = forms.ChoiceField(label=_("Send"), choices=Campaign.Timing.choices,
                               widget=forms.RadioSelect)
    send_at = forms.DateTimeField(label=_("Send at"), required=False,
                                  widget=AdminDateTimeInput())

    def __init__(self, *args, campaign: Campaign, **kwargs):
        kwargs["initial"] = {"timing": campaign.timing, "send_at": campaign.send_at,
                             **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def clean(self):
        data = super().clean()
        timing = data.get("timing")
        if not self.campaign.targets.exists():
            raise forms.ValidationError(_("Add at least one target segment before sending."))
        if timing == Campaign.Timing.AT:
            send_at = data.get("send_at")
            if not send_at:
                self.add_error("send_at", _("Choose when to send."))
            elif send_at <= timezone.now():
                self.add_error("send_at", _("Choose a time in the future."))
        if timing == Campaign.Timing.ON_PUBLISH and not self.campaign.page_id:
            self.add_error("timing", _("Only a campaign about a page can wait for it."))
        return data


class TestSendForm(forms.Form):
    """Where test pushes go: the user's own subscriptions, or one subscriber by id."""

    MINE, ONE = "mine", "one"

    recipients = forms.ChoiceField(
        label=_("Send to"), widget=forms.RadioSelect, initial=MINE,
        choices=[(MINE, _("My own subscriptions")), (ONE, _("One subscriber"))],
    )
    subscriber = forms.IntegerField(
        label=_("Subscriber id"), required=False, min_value=1,
        help_text=_("The number in the subscriber's address in the admin."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        active = Subscriber.objects.filter(status=Subscriber.Status.ACTIVE)
        if data.get("recipients") == self.ONE:
            subscriber = active.filter(pk=data.get("subscriber") or 0).first()
            if subscriber is None:
                self.add_error("subscriber", _("No active subscriber has this id."))
            data["subscribers"] = [subscriber] if subscriber else []
        else:
            data["subscribers"] = list(active.filter(user=self.user).order_by("pk"))
            if not data["subscribers"]:
                raise forms.ValidationError(_(
                    "You have no active push subscription: subscribe on the site while logged "
                    "in, or choose a subscriber."
                ))
        return data
