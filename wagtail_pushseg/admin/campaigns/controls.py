"""The composer's delivery controls (send time in each time zone, quiet hours, frequency cap):
their panels, their validation, and how the inspect page describes them."""

from django import forms
from django.utils.translation import gettext as __
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from ...campaigns.sending.controls import caps_for, quiet_hours_for
from ...conf import pushseg_settings
from ...models import Campaign
from ...subscribers.local_time import in_window


#: Fields that may be left out of a POST: missing means the model's default.
OPTIONAL_WITH_DEFAULT = ("send_time", "window_start_hour", "window_end_hour")


def delivery_control_panels() -> list:
    return [
        MultiFieldPanel([
            FieldPanel("send_time", widget=forms.RadioSelect),
            FieldPanel("local_time"),
            FieldRowPanel([FieldPanel("window_start_hour"), FieldPanel("window_end_hour")],
                          heading=_("Most active hour between")),
        ], heading=_("Time zones"), help_text=_(
            "Pushes go out once the campaign is sent; these choices only hold each "
            "subscriber's push back until the right moment in their own time zone.")),
        MultiFieldPanel([
            FieldPanel("ignore_quiet_hours"),
            FieldRowPanel([FieldPanel("cap_per_day"), FieldPanel("cap_per_week")]),
            FieldPanel("ignore_frequency_cap"),
        ], heading=_("Quiet hours and frequency cap"), classname="collapsed"),
    ]


def _clock(t) -> str:
    return t.strftime("%H:%M")


def site_rules_text() -> str:
    """The site's quiet hours and caps in words, for the composer's help texts."""
    quiet = pushseg_settings.QUIET_HOURS
    day, week = pushseg_settings.FREQUENCY_CAP_PER_DAY, pushseg_settings.FREQUENCY_CAP_PER_WEEK
    parts = [
        __("This site's quiet hours: %(start)s to %(end)s in each subscriber's time zone.")
        % {"start": _clock(quiet[0]), "end": _clock(quiet[1])}
        if quiet else __("This site has no quiet hours."),
        __("Its frequency cap: %(cap)s.") % {"cap": cap_text(day, week)},
    ]
    return " ".join(parts)


def cap_text(day: int | None, week: int | None) -> str:
    parts = []
    if day is not None:
        parts.append(__("%(n)s a day") % {"n": day})
    if week is not None:
        parts.append(__("%(n)s a week") % {"n": week})
    return ", ".join(parts) or __("none")


def prepare_fields(form: forms.Form) -> None:
    """Missing control fields take their defaults; the site's own rules are shown."""
    for name in OPTIONAL_WITH_DEFAULT:
        if name in form.fields:
            form.fields[name].required = False
    if "ignore_quiet_hours" in form.fields:
        form.fields["ignore_quiet_hours"].help_text = "{} {}".format(
            form.fields["ignore_quiet_hours"].help_text, site_rules_text())


def clean_controls(form: forms.Form, data: dict) -> None:
    """Refuse combinations that would not do what the editor expects, with the reason."""
    defaults = {"send_time": Campaign.SendTime.AS_SOON, "window_start_hour": 0,
                "window_end_hour": 24}
    for name, default in defaults.items():
        if name in form.fields and data.get(name) in (None, ""):
            data[name] = default
    send_time, local_time = data.get("send_time"), data.get("local_time")
    if send_time == Campaign.SendTime.LOCAL_TIME and not local_time:
        if "local_time" not in form.errors:
            form.add_error("local_time", _("Choose the local time, for example 09:00."))
    elif send_time == Campaign.SendTime.LOCAL_TIME and not data.get("ignore_quiet_hours"):
        quiet = pushseg_settings.QUIET_HOURS
        if quiet and in_window(local_time, *quiet):
            form.add_error("local_time", _(
                "%(time)s is inside this site's quiet hours (%(start)s to %(end)s), so the "
                "pushes would wait until %(end)s: choose another time, or tick \"ignore quiet "
                "hours\".") % {"time": _clock(local_time), "start": _clock(quiet[0]),
                              "end": _clock(quiet[1])})
    if send_time != Campaign.SendTime.LOCAL_TIME and local_time and "local_time" in form.fields:
        form.add_error("local_time", _(
            "A local time is only used with \"At a local time in each subscriber's time "
            "zone\": choose that, or clear the time."))
    start, end = data.get("window_start_hour"), data.get("window_end_hour")
    if send_time == Campaign.SendTime.BEST_HOUR and start is not None and end is not None \
            and int(end) <= int(start):
        form.add_error("window_end_hour", _(
            "The window must end after it starts, for example from 08:00 to 21:00."))
    if data.get("ignore_frequency_cap") and (data.get("cap_per_day") or data.get("cap_per_week")):
        form.add_error("ignore_frequency_cap", _(
            "Either set this campaign's own cap or switch the cap off, not both."))


def control_facts(campaign: Campaign) -> list[tuple[str, str]]:
    """(label, value) lines for the inspect page."""
    if campaign.send_time == Campaign.SendTime.LOCAL_TIME and campaign.local_time:
        when = __("at %(time)s in each subscriber's time zone") % {
            "time": _clock(campaign.local_time)}
    elif campaign.send_time == Campaign.SendTime.BEST_HOUR:
        when = __("at each subscriber's most active hour between %(start)02d:00 and "
                  "%(end)02d:00 (their time)") % {"start": campaign.window_start_hour,
                                                  "end": campaign.window_end_hour}
    else:
        when = str(Campaign.SendTime.AS_SOON.label).lower()
    quiet = quiet_hours_for(campaign)
    if campaign.ignore_quiet_hours:
        quiet_text = __("ignored (urgent)")
    elif quiet:
        quiet_text = __("%(start)s to %(end)s, subscriber's time") % {
            "start": _clock(quiet[0]), "end": _clock(quiet[1])}
    else:
        quiet_text = __("none")
    cap = __("none for this campaign (urgent)") if campaign.ignore_frequency_cap else cap_text(
        *caps_for(campaign))
    return [(__("Delivers"), when), (__("Quiet hours"), quiet_text),
            (__("Frequency cap"), cap)]
