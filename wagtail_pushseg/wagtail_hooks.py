from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from .admin.menu import PushNotificationsGroup
from .admin.permissions import register_policies
from .tracking.page_views import track_page_view


register_policies()


@hooks.register("register_admin_viewset")
def register_push_menu():
    return PushNotificationsGroup()


@hooks.register("register_log_actions")
def register_log_actions(actions):
    @actions.register_action("wagtail_pushseg.send_test_push")
    class SendTestPush(LogFormatter):
        label = _("Send a test push")

        def format_message(self, log_entry):
            outcome = log_entry.data.get("outcome", "")
            return _("Test push sent (%(outcome)s)") % {"outcome": outcome}


# After Wagtail's own hooks (privacy checks), so a refused view is not recorded.
hooks.register("before_serve_page", track_page_view, order=100)
