"""Who may do what in the plugin's admin: one idiom, Wagtail's own.

Every view of ours is a Wagtail ``PermissionCheckedMixin`` with ``permission_policy =
RegisteredPolicy(Model)`` and a ``permission_required`` action or ``any_permission_required``
actions (below); Wagtail's generic views get the same policies from their viewsets. Buttons,
panels and menu items ask the same policies through the ``can_*`` functions.

- campaigns: compose = add or change; see = any campaign permission; send, schedule,
  test-send, cancel and resume = ``send`` (``wagtail_pushseg.send_campaign``);
- segments: listing, members, explanations, overlaps, trends = any segment permission; the
  live preview = add or change (it is part of editing); refresh = change; suggested
  segments = add (they exist to become segments);
- subscribers: see, export = view; erase = delete; never add or change
  (:class:`BrowserCreatedPolicy`); a test push = ``send_test_push``.
"""

from django.db.models import Model
from wagtail.permission_policies import BasePermissionPolicy, ModelPermissionPolicy

from ..compat import permission_policy_for, register_permission_policy
from ..models import Campaign, Segment, Subscriber


#: Any permission on a model: what it takes to see its listing (Wagtail's index views ask the same).
ANY = ("add", "change", "delete", "view")
#: Composing a campaign, or editing a segment's rules.
EDIT = ("add", "change")
#: The action of the ``wagtail_pushseg.send_test_push`` permission (not ``<action>_subscriber``).
SEND_TEST_PUSH = "send_test_push"


class BrowserCreatedPolicy(ModelPermissionPolicy):
    """For rows only browsers create (subscribers): editors may view and erase, never add or
    change, whatever their group permissions say; a test push is its own permission."""

    read_only_actions = frozenset({"add", "change"})

    def user_has_permission(self, user, action):
        if action in self.read_only_actions:
            return False
        if action == SEND_TEST_PUSH:
            return user.has_perm(f"{self.app_label}.{SEND_TEST_PUSH}")
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


def register_policies() -> None:
    """Register our policies (Wagtail 8's registry; see ``compat`` for 7.4)."""
    register_permission_policy(Subscriber, BrowserCreatedPolicy(Subscriber))


class RegisteredPolicy:
    """``permission_policy = RegisteredPolicy(Campaign)`` on a view: the policy registered for
    the model, looked up when the view checks (so a policy registered after import counts).

    Wagtail 8's ``PermissionCheckedMixin`` finds a view's policy from its ``model``; Wagtail
    7.4's has none unless it is given one, and then checks nothing. Naming the policy on the
    view works on both, outside a viewset too. A viewset may still hand the view a policy
    (``as_view(permission_policy=...)``), but not ``None``: 7.4's chooser viewsets do, and
    that would switch the check off.
    """

    def __init__(self, model: type[Model]):
        self.model = model

    def __set_name__(self, owner, name: str) -> None:
        self.given = f"_given_{name}"

    def __get__(self, instance, owner=None) -> BasePermissionPolicy:
        given = instance.__dict__.get(self.given) if instance is not None else None
        return given or permission_policy_for(self.model)

    def __set__(self, instance, policy: BasePermissionPolicy | None) -> None:
        if policy is not None:
            instance.__dict__[self.given] = policy


def can_send_campaigns(user) -> bool:
    """Send, schedule, test-send, cancel and resume: ``wagtail_pushseg.send_campaign``."""
    return permission_policy_for(Campaign).user_has_permission(user, "send")


def can_add_campaigns(user) -> bool:
    return permission_policy_for(Campaign).user_has_permission(user, "add")


def can_compose_campaigns(user) -> bool:
    return permission_policy_for(Campaign).user_has_any_permission(user, EDIT)


def can_view_campaigns(user) -> bool:
    return permission_policy_for(Campaign).user_has_any_permission(user, ANY)


def can_view_segments(user) -> bool:
    return permission_policy_for(Segment).user_has_any_permission(user, ANY)


def can_edit_segments(user) -> bool:
    return permission_policy_for(Segment).user_has_any_permission(user, EDIT)


def can_refresh_segments(user) -> bool:
    return permission_policy_for(Segment).user_has_permission(user, "change")


def can_add_segments(user) -> bool:
    return permission_policy_for(Segment).user_has_permission(user, "add")


def can_view_subscribers(user) -> bool:
    """The home page's subscriber numbers: view or erase (both see the listing)."""
    return permission_policy_for(Subscriber).user_has_any_permission(user, ["view", "delete"])


def can_inspect_subscribers(user) -> bool:
    return permission_policy_for(Subscriber).user_has_permission(user, "view")


def can_send_test_push(user) -> bool:
    return permission_policy_for(Subscriber).user_has_permission(user, SEND_TEST_PUSH)
