"""Subscribers in the admin: listing, filters, export, detail, test push, erase."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, View
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.log_actions import log

from ..delivery.payload import MAX_PLAINTEXT_BYTES, PayloadTooLarge, build_payload, encode_payload
from ..models import Profile, Subscriber
from ..subscribers.direct import send_to_subscriber
from ..subscribers.services import forget_audit_entries
from ..tracking.describe import describe_profile, top_affinities
from ..tracking.export import export_subscriber
from .permissions import BrowserCreatedPolicy
from .segment_subscriber import shows_segments, subscriber_segments_html


SEND_TEST_PUSH = "wagtail_pushseg.send_test_push"


def can_send_test_push(user) -> bool:
    return user.has_perm(SEND_TEST_PUSH)


class SubscriberInspectView(generic.InspectView):
    #: Read-outs that are not model fields, with their labels.
    extra_fields = {
        "profile_summary": _("Behaviour"),
        "top_tags": _("Top tag affinities"),
        "segments": _("Segments"),
    }

    def get_fields(self):
        extra = [f for f in self.extra_fields
                 if f != "segments" or shows_segments(self.request.user)]
        return extra + super().get_fields()

    def get_field_label(self, field_name, field):
        if field_name in self.extra_fields:
            return self.extra_fields[field_name]
        return super().get_field_label(field_name, field)

    def get_profile_summary_display_value(self):
        return describe_profile(Profile.objects.filter(subscriber=self.object).first())

    def get_top_tags_display_value(self):
        top = top_affinities(self.object)
        return ", ".join(f"{tag} ({score:.1f})" for tag, score in top) or "-"

    def get_segments_display_value(self):
        return subscriber_segments_html(self.request, self.object)

    @cached_property
    def header_buttons(self):
        buttons = []
        if can_send_test_push(self.request.user) and self.object.status == "active":
            buttons.append(
                HeaderButton(
                    _("Send a test push"),
                    url=reverse("wagtail_pushseg_subscribers:test_push", args=[self.object.pk]),
                    icon_name="mail",
                )
            )
        if self.permission_policy.user_has_permission(self.request.user, "view"):
            buttons.append(
                HeaderButton(
                    _("Export data (JSON)"),
                    url=reverse("wagtail_pushseg_subscribers:export_data", args=[self.object.pk]),
                    icon_name="download",
                )
            )
        return buttons


class ExportDataView(PermissionCheckedMixin, View):
    """Everything stored about one subscriber as a JSON download (the right of access)."""

    permission_policy = BrowserCreatedPolicy(Subscriber)
    permission_required = "view"

    def get(self, request, pk):
        subscriber = get_object_or_404(Subscriber, pk=pk)
        response = JsonResponse(export_subscriber(subscriber), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="subscriber-{pk}.json"'
        return response


class SubscriberDeleteView(generic.DeleteView):
    """Deleting is erasing: what was recorded goes with the row (the deletion itself stays in
    the audit log, as every deletion does)."""

    def delete_action(self):
        with transaction.atomic():
            forget_audit_entries(self.object)
            super().delete_action()


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


class TestPushView(WagtailAdminTemplateMixin, FormView):
    """Send a test notification to one subscriber (needs ``send_test_push``)."""

    template_name = "wagtail_pushseg/subscribers/test_push.html"
    form_class = TestPushForm
    page_title = _("Send a test push")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not can_send_test_push(request.user):
            raise PermissionDenied
        self.object = get_object_or_404(Subscriber, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

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


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    icon = "user"
    menu_label = _("Subscribers")
    name = "wagtail_pushseg_subscribers"
    url_prefix = "pushseg/subscribers"
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = SubscriberInspectView
    delete_view_class = SubscriberDeleteView
    # Add/edit are refused by the permission policy; the form only satisfies ModelViewSet.
    form_fields = ["language", "timezone"]
    list_display = [
        Column("__str__", label=_("Subscriber"), accessor=str),
        StatusTagColumn("status", label=_("Status"), accessor="get_status_display",
                        primary=lambda s: s.status == "active"),
        "language",
        "timezone",
        DateColumn("created_at", label=_("Subscribed"), sort_key="created_at"),
        DateColumn("last_seen_at", label=_("Last seen"), sort_key="last_seen_at"),
    ]
    list_filter = ["status", "browser", "platform", "language"]
    search_fields = ["endpoint", "browser", "platform", "language", "timezone", "visitor_id"]
    list_export = [
        "id", "status", "browser", "platform", "language", "timezone", "created_at",
        "last_seen_at", "expired_at", "unsubscribed_at",
    ]
    export_filename = "subscribers"
    inspect_view_fields = [
        "status", "browser", "platform", "language", "timezone", "site", "user", "created_at",
        "last_seen_at", "expired_at", "unsubscribed_at", "user_agent", "endpoint",
    ]

    @cached_property
    def permission_policy(self):
        return BrowserCreatedPolicy(Subscriber)

    def get_permissions_to_register(self):
        # Add and change have no meaning here: only browsers create subscribers.
        return super().get_permissions_to_register().exclude(
            codename__in=["add_subscriber", "change_subscriber"]
        )

    @property
    def test_push_view(self):
        return TestPushView.as_view()

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("test-push/<int:pk>/", self.test_push_view, name="test_push"),
            path("export-data/<int:pk>/", ExportDataView.as_view(), name="export_data"),
        ]
