"""Forms of the send, test-send and cancel steps."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateTimeInput

from ...models import Campaign, Subscriber


#: strftime directives in words, for the format an invalid date should have been written in.
_DIRECTIVES = {"%Y": _("year"), "%m": _("month"), "%d": _("day"), "%H": _("hours"),
               "%M": _("minutes"), "%S": _("seconds"), "%y": _("year"), "%I": _("hours")}


def _describe(strftime_format: str) -> str:
    """"%Y-%m-%d %H:%M" as "year-month-day hours:minutes"."""
    text = strftime_format
    for directive, word in _DIRECTIVES.items():
        text = text.replace(directive, str(word))
    return text


class SendForm(forms.Form):
    """How the campaign goes out: now, at a time, or when its page is published."""

    timing = forms.ChoiceField(label=_("Send"), choices=Campaign.Timing.choices,
                               widget=forms.RadioSelect)
    send_at = forms.DateTimeField(label=_("Send at"), required=False,
                                  widget=AdminDateTimeInput())
    send_again = forms.BooleanField(
        label=_("Send again anyway"), required=False,
        help_text=_("Also push to the readers who got a push about this page recently."),
    )

    def __init__(self, *args, campaign: Campaign, repushed: int = 0, **kwargs):
        kwargs["initial"] = {"timing": campaign.timing, "send_at": campaign.send_at,
                             "send_again": campaign.repush_anyway,
                             **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        if not (repushed or campaign.repush_anyway):
            del self.fields["send_again"]  # nobody to skip: nothing to decide
        # Django's "Enter a valid date/time." does not say which format: show one, written
        # in the picker's own format (WAGTAIL_DATETIME_FORMAT), for tomorrow 9:00.
        field = self.fields["send_at"]
        example = (timezone.localtime() + timedelta(days=1)).replace(hour=9, minute=0)
        field.error_messages["invalid"] = _(
            "Enter the date and time as %(example)s (%(format)s), or pick it from the calendar."
        ) % {"example": example.strftime(field.widget.format),
             "format": _describe(field.widget.format)}
        field.help_text = _("For example %(example)s.") % {
            "example": example.strftime(field.widget.format)}

    def clean(self):
        data = super().clean()
        timing = data.get("timing")
        if not self.campaign.targets.exists():
            raise forms.ValidationError(_("Add at least one target segment before sending."))
        if timing == Campaign.Timing.AT:
            send_at = data.get("send_at")
            if "send_at" in self.errors:
                pass  # unreadable: the field's own error says the format
            elif not send_at:
                self.add_error("send_at", _("Choose when to send."))
            elif send_at <= timezone.now():
                self.add_error("send_at", _("Choose a time in the future."))
        if timing == Campaign.Timing.ON_PUBLISH and not self.campaign.page_id:
            self.add_error("timing", _("Only a campaign about a page can wait for it."))
        return data


class TestSendForm(forms.Form):
    """Where test pushes go: the user's own subscriptions, or one subscriber, chosen on the
    subscriber's page ("Test a campaign on this subscriber" leads here with ``?subscriber=``)."""

    MINE, ONE = "mine", "one"

    recipients = forms.ChoiceField(
        label=_("Send to"), widget=forms.RadioSelect, initial=MINE,
        choices=[(MINE, _("My own subscriptions")), (ONE, _("One subscriber"))],
    )
    subscriber = forms.ModelChoiceField(
        queryset=Subscriber.objects.filter(status=Subscriber.Status.ACTIVE),
        required=False, widget=forms.HiddenInput,
    )

    def __init__(self, *args, user, chosen: Subscriber | None = None, **kwargs):
        if chosen is not None:
            kwargs["initial"] = {"recipients": self.ONE, "subscriber": chosen.pk,
                                 **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.user = user
        self.chosen = chosen
        if chosen is not None:
            self.fields["recipients"].choices = [
                (self.MINE, _("My own subscriptions")),
                (self.ONE, _("This subscriber: %(name)s") % {"name": chosen}),
            ]
        else:
            self.fields["recipients"].help_text = _(
                "To test on someone else's device, open the subscriber from Subscribers and "
                "choose “Test a campaign on this subscriber”."
            )

    def clean(self):
        data = super().clean()
        active = Subscriber.objects.filter(status=Subscriber.Status.ACTIVE)
        if data.get("recipients") == self.ONE:
            subscriber = data.get("subscriber")
            if subscriber is None and "subscriber" not in self.errors:
                self.add_error("recipients", _(
                    "Choose the subscriber first: open them from Subscribers and choose "
                    "“Test a campaign on this subscriber”."))
            elif "subscriber" in self.errors:
                # The hidden field cannot show its own error: say it next to the choice.
                del self.errors["subscriber"]
                self.add_error("recipients", _("This subscriber is no longer active."))
            data["subscribers"] = [subscriber] if subscriber else []
        else:
            data["subscribers"] = list(active.filter(user=self.user).order_by("pk"))
            if not data["subscribers"]:
                raise forms.ValidationError(_(
                    "You have no active push subscription: subscribe on the site while logged "
                    "in, or choose a subscriber."
                ))
        return data
