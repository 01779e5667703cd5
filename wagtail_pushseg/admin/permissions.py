from wagtail.permission_policies import ModelPermissionPolicy


class BrowserCreatedPolicy(ModelPermissionPolicy):
    """For rows only browsers create (subscribers): editors may view and erase, never add or
    change, whatever their group permissions say."""

    read_only_actions = frozenset({"add", "change"})

    def user_has_permission(self, user, action):
        if action in self.read_only_actions:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


def register_policies() -> None:
    """Register our policies with Wagtail (8.0+ registry; 7.x reads the viewset attribute)."""
    from ..models import Subscriber

    try:
        from wagtail.permissions import register_permission_policy
    except ImportError:  # Wagtail 7.x
        return
    register_permission_policy(Subscriber, BrowserCreatedPolicy(Subscriber))
