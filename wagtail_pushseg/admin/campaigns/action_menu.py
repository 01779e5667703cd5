"""“Publish and push…” in the page editor's action menu, on every page type.

The item submits the edit form as Publish does (``name="action-publish"``) with its own value,
so Wagtail publishes exactly as usual, workflows and scheduling included; the
``after_edit_page`` / ``after_create_page`` hook then sees the value and opens the composer.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.action_menu import ActionMenuItem

from ...models import Campaign
from ..permissions import can_add_campaigns
from .prefill import composer_url, is_scheduled


#: The value the item gives ``action-publish``.
PUBLISH_AND_PUSH = "push"


class PublishAndPushMenuItem(ActionMenuItem):
    """Shown to users who may publish the page and add campaigns."""

    label = _("Publish and push…")
    name = "action-publish"
    icon_name = "mail"
    template_name = "wagtail_pushseg/campaigns/publish_and_push_menu_item.html"

    def is_shown(self, context) -> bool:
        user = context["request"].user
        if not can_add_campaigns(user):
            return False
        if context["view"] == "create":
            return context["parent_page"].permissions_for_user(user).can_publish_subpage()
        if context.get("locked_for_user"):
            return False
        return self.get_user_page_permissions_tester(context).can_publish()

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context["value"] = PUBLISH_AND_PUSH
        return context


def open_composer_after_publish(request: HttpRequest, page) -> HttpResponse | None:
    """After a page was published with “Publish and push…”: the composer, prefilled."""
    if request.method != "POST" or request.POST.get("action-publish") != PUBLISH_AND_PUSH:
        return None
    user = request.user
    if not can_add_campaigns(user) or not page.permissions_for_user(user).can_publish():
        return None  # nothing was published for this user, or no campaign may follow
    timing = Campaign.Timing.ON_PUBLISH if is_scheduled(page) else None
    return redirect(composer_url(page, timing))
