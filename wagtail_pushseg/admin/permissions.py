from wagtail.permission_policies import ModelPermissionPolicy

from ..compat import register_permission_policy


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
    """Register our policies (Wagtail 8's registry; see ``compat`` for 7.4)."""
    from ..models import Subscriber

    register_permission_policy(Subscriber, BrowserCreatedPolicy(Subscriber))
