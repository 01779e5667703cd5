"""A test notification to one subscriber, written in the admin (``send_test_push``)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.log_actions import log

from ...delivery.payload import MAX_PLAINTEXT_BYTES, PayloadTooLarge, build_payload, encode_payload
from ...models import Subscriber
from ...subscribers.direct import send_to_subscriber
from ..permissions import SEND_TEST_PUSH, RegisteredPolicy


class TestPushForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120, initial=_("Test notification"))
    body = forms.CharField(
        label=_("Body"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        initial=_("If you can read this, push notifications work."),
    )
    url = forms.CharField(
        label=_("Link"), required=False, initial="/",
        help_text=_("Where a click on the notification leads: a path on this site or a URL."),
    )

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                encode_payload(self.payload())
            except PayloadTooLarge as exc:
                raise forms.ValidationError(
                    _("This notification is too long to push: cut %(n)s bytes (the limit is "
                      "%(limit)s).") % {"n": exc.excess, "limit": MAX_PLAINTEXT_BYTES}
                ) from None
        return data

    def payload(self) -> dict:
        data = self.cleaned_data
        return build_payload(
            title=data["title"], body=data.get("body", ""), url=data.get("url") or "/",
            tag="pushseg-test",
        )


class TestPushView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Send a test notification to one subscriber (needs ``send_test_push``)."""

    permission_policy = RegisteredPolicy(Subscriber)
    permission_required = SEND_TEST_PUSH
    template_name = "wagtail_pushseg/subscribers/test_push.html"
    form_class = TestPushForm
    page_title = _("Send a test push")
    header_icon = "mail"

    @cached_property
    def object(self) -> Subscriber:
        # Looked up once the permission check has passed: no 404 before it.
        return get_object_or_404(Subscriber, pk=self.kwargs["pk"])

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtail_pushseg_subscribers:index"), "label": _("Subscribers")},
            {
                "url": reverse("wagtail_pushseg_subscribers:inspect", args=[self.object.pk]),
                "label": str(self.object),
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(subscriber=self.object, **kwargs)

    def form_valid(self, form):
        result = send_to_subscriber(self.object, form.payload())
        log(
            self.object,
            "wagtail_pushseg.send_test_push",
            data={"outcome": result.outcome.value, "status": result.status},
        )
        if result.ok:
            messages.success(self.request, _("Test push sent."))
        else:
            messages.error(
                self.request,
                _("The push service did not take the test push (%(outcome)s): %(reason)s")
                % {"outcome": result.outcome.label if hasattr(result.outcome, "label")
                   else result.outcome.value, "reason": result.reason or "-"},
            )
        return redirect("wagtail_pushseg_subscribers:inspect", self.object.pk)
