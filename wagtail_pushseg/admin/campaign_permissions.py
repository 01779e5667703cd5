"""Who may do what with campaigns: compose (add/change), view, and send (its own permission)."""

from wagtail.permission_policies import ModelPermissionPolicy

from ..compat import permission_policy_for
from ..models import Campaign


def campaign_policy() -> ModelPermissionPolicy:
    """The policy registered for ``Campaign``, or the model default."""
    return permission_policy_for(Campaign)


def can_send(user) -> bool:
    """Send, schedule, test-send and cancel: ``wagtail_pushseg.send_campaign``."""
    return campaign_policy().user_has_permission(user, "send")


def can_add(user) -> bool:
    return campaign_policy().user_has_permission(user, "add")


def can_compose(user) -> bool:
    return campaign_policy().user_has_any_permission(user, ["add", "change"])


def can_view(user) -> bool:
    return campaign_policy().user_has_any_permission(user, ["add", "change", "delete", "view"])
