from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from .admin.campaigns.action_menu import PublishAndPushMenuItem, open_composer_after_publish
from .admin.insights.dashboard import add_dashboard_panel, add_summary_item
from .admin.menu import PushNotificationsGroup
from .admin.permissions import register_policies
from .admin.segments.hooks import refuse_deleting_used_segments, register_segment_log_actions
from .tracking.page_views import track_page_view


register_policies()


@hooks.register("register_admin_viewset")
def register_push_menu():
    return PushNotificationsGroup()


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action("wagtail_pushseg.send_campaign", _("Send campaign"),
                            _("Campaign queued for sending"))
    actions.register_action("wagtail_pushseg.schedule_campaign", _("Schedule campaign"),
                            _("Campaign scheduled"))
    actions.register_action("wagtail_pushseg.cancel_campaign", _("Cancel campaign"),
                            _("Campaign cancelled"))
    actions.register_action("wagtail_pushseg.pause_campaign", _("Pause campaign"),
                            _("Campaign paused: push services refused the VAPID signature"))
    actions.register_action("wagtail_pushseg.resume_campaign", _("Resume campaign"),
                            _("Campaign resumed"))

    @actions.register_action("wagtail_pushseg.send_test_push")
    class SendTestPush(LogFormatter):
        label = _("Send a test push")

        def format_message(self, log_entry):
            outcome = log_entry.data.get("outcome", "")
            return _("Test push sent (%(outcome)s)") % {"outcome": outcome}

    register_segment_log_actions(actions)
    actions.register_action("wagtail_pushseg.accept_suggestion",
                            _("Create a segment from a suggestion"),
                            _("Draft segment created from a suggestion"))
    actions.register_action("wagtail_pushseg.dismiss_suggestion", _("Dismiss a suggestion"),
                            _("Segment suggestion dismissed"))


@hooks.register("register_page_action_menu_item")
def register_publish_and_push():
    return PublishAndPushMenuItem(order=35)  # right after Publish


hooks.register("after_edit_page", open_composer_after_publish)
hooks.register("after_create_page", open_composer_after_publish)
hooks.register("before_delete_snippet", refuse_deleting_used_segments)


# After Wagtail's own hooks (privacy checks), so a refused view is not recorded.
hooks.register("before_serve_page", track_page_view, order=100)

# The plugin on the Wagtail home page (each part checks its own permission).
hooks.register("construct_homepage_summary_items", add_summary_item)
hooks.register("construct_homepage_panels", add_dashboard_panel)
