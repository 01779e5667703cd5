"""The composer's forms: the campaign (with the size check a push must pass) and its targets."""

import json

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from ...campaigns.payloads import payload_excess
from ...models import Campaign, CampaignTarget, CampaignVariant, Segment
from .controls import clean_controls, prepare_fields


CAMPAIGN_TOO_LONG = _(
    "This notification is too long to fit in a push: cut %(n)s characters from this text "
    "(or shorten the title or the links)."
)
TOO_MANY_VARIANTS = _(
    "A target has at most %(n)s wordings: its own and %(extra)s variants. Remove this one or "
    "move it to another target."
)
NOT_A_TARGET = _("Choose one of this campaign's target segments (see Targets above).")
TARGET_TOO_LONG = _(
    "With this wording the notification is too long to fit in a push: cut %(n)s characters "
    "from this text."
)


def characters_to_cut(text: str, excess: int) -> int:
    """How many characters to cut from the end of ``text`` to save ``excess`` bytes of the
    JSON payload (characters take 1 to 4 bytes, more when escaped); ``excess`` when the text
    alone cannot save that much."""
    saved = 0
    for count, char in enumerate(reversed(text), start=1):
        saved += len(json.dumps(char, ensure_ascii=False).encode()) - 2
        if saved >= excess:
            return count
    return excess


class TargetForm(WagtailAdminModelForm):
    """One target: only active segments are offered (plus the one already chosen)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "segment" in self.fields:
            chosen = self.instance.segment_id if self.instance.pk else None
            self.fields["segment"].queryset = Segment.objects.filter(
                Q(active=True) | Q(pk=chosen)
            )

    class Meta:
        model = CampaignTarget
        fields = ["segment", "title", "body"]


class CampaignForm(WagtailAdminModelForm):
    """The campaign: content, audience and timing; refuses what could not be pushed."""

    #: Chosen when the campaign was scheduled; changed again on the send page.
    locked_when_scheduled = ("timing", "send_at")

    @classmethod
    def child_form(cls):
        return TargetForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prepare_fields(self)
        if "excluded_segments" in self.fields:
            self.fields["excluded_segments"].queryset = Segment.objects.filter(active=True)
        if self.instance.pk and self.instance.status != Campaign.Status.DRAFT:
            for name in self.locked_when_scheduled:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _(
                        "Fixed when the campaign was scheduled; change it on the send page."
                    )

    def clean_url(self) -> str:
        url = (self.cleaned_data.get("url") or "").strip()
        # "//host/..." starts with "/" but leaves the site.
        if url.startswith("//") or (url and not url.startswith(("/", "https://", "http://"))):
            raise forms.ValidationError(
                _("Enter a path on this site (starting with /) or a full web address.")
            )
        return url

    def clean_ab_test_share(self) -> int | None:
        value = self.cleaned_data.get("ab_test_share")
        if value is not None and not 1 <= value <= 90:
            raise forms.ValidationError(
                _("Use a share from 1 to 90 %, or leave it empty to send everything at once."))
        return value

    def clean_ab_test_wait(self) -> int:
        value = self.cleaned_data.get("ab_test_wait")
        if value is not None and not 1 <= value <= 7 * 24 * 60:
            raise forms.ValidationError(_("Wait between 1 minute and 7 days (10080 minutes)."))
        return value

    def clean_min_degree(self) -> float | None:
        value = self.cleaned_data.get("min_degree")
        if value is not None and not 0 < value <= 1:
            raise forms.ValidationError(_("Use a number above 0 and at most 1."))
        return value

    def clean(self):
        data = super().clean()
        timing, page = data.get("timing"), data.get("page")
        if not page and not data.get("url") and "url" not in self.errors:
            self.add_error("url", _("Choose a page or enter a link."))
        if timing == Campaign.Timing.ON_PUBLISH and not page and "page" not in self.errors:
            self.add_error("page", _("Choose the page whose publishing sends this campaign."))
        if timing == Campaign.Timing.AT and not self.fields["send_at"].disabled:
            send_at = data.get("send_at")
            if not send_at:
                self.add_error("send_at", _("Choose when to send."))
            elif send_at <= timezone.now():
                self.add_error("send_at", _("Choose a time in the future."))
        clean_controls(self, data)
        return data

    def is_valid(self) -> bool:
        # The size check needs the targets, which are validated after ``clean()``; it runs
        # once, however often this is asked.
        if not super().is_valid():
            return False
        if not hasattr(self, "_payloads_fit"):
            fits = self.payloads_fit()
            self._payloads_fit = self.variants_valid() and fits
        return self._payloads_fit

    def variants_valid(self) -> bool:
        """Each variant belongs to a target segment, at most three (four wordings) a target,
        and fits in a push with that target's wording."""
        formsets = getattr(self, "formsets", {})
        targets: dict[int, CampaignTarget] = {}
        for form in getattr(formsets.get("targets"), "forms", []):
            data = getattr(form, "cleaned_data", None)
            if data and not data.get("DELETE") and data.get("segment"):
                targets.setdefault(data["segment"].pk, CampaignTarget(
                    title=data.get("title", ""), body=data.get("body", "")))
        valid, seen = True, dict[int, int]()
        for form in getattr(formsets.get("variants"), "forms", []):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("segment"):
                continue
            segment_id = data["segment"].pk
            if segment_id not in targets:
                form.add_error("segment", NOT_A_TARGET)
                valid = False
                continue
            seen[segment_id] = seen.get(segment_id, 0) + 1
            if seen[segment_id] > CampaignVariant.MAX_WORDINGS - 1:
                form.add_error("segment", TOO_MANY_VARIANTS % {
                    "n": CampaignVariant.MAX_WORDINGS, "extra": CampaignVariant.MAX_WORDINGS - 1})
                valid = False
                continue
            variant = CampaignVariant(title=data.get("title", ""), body=data.get("body", ""))
            excess = payload_excess(self.instance, targets[segment_id], variant)
            if excess:
                field = "body" if variant.body else "title"
                form.add_error(field, TARGET_TOO_LONG % {
                    "n": characters_to_cut(getattr(variant, field), excess)})
                valid = False
        return valid

    def payloads_fit(self) -> bool:
        """Add an error to each wording that makes the push too long; True when all fit."""
        fits = True
        excess = payload_excess(self.instance)
        if excess:
            field = "body" if self.instance.body else "title"
            cut = characters_to_cut(getattr(self.instance, field), excess)
            self.add_error(field, CAMPAIGN_TOO_LONG % {"n": cut})
            return False
        formset = self.formsets.get("targets") if hasattr(self, "formsets") else None
        for form in getattr(formset, "forms", []):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            target = CampaignTarget(title=data.get("title", ""), body=data.get("body", ""))
            excess = payload_excess(self.instance, target)
            if excess:
                field = "body" if target.body else "title"
                cut = characters_to_cut(getattr(target, field), excess)
                form.add_error(field, TARGET_TOO_LONG % {"n": cut})
                fits = False
        return fits
