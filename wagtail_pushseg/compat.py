"""The one place where Wagtail 7.4 and 8.x differ for us (pyproject: ``wagtail>=7.4,<9``).

Permission policies: Wagtail 8.0 keeps a registry of them (``wagtail.permissions.policy_registry``,
``register_permission_policy``) that its views, menus and snippet listings look a model's policy
up in. Wagtail 7.4 has no registry: a viewset hands its ``permission_policy`` attribute to its own
views. So on 7.4 we keep the policies we register here, and our own permission checks read them
through :func:`permission_policy_for` on both versions.

The registry is imported lazily: ``wagtail.permissions`` imports models, and this module is
imported before the app registry is ready.
"""

from django.db.models import Model
from wagtail.permission_policies import BasePermissionPolicy, ModelPermissionPolicy


#: Wagtail 7.4 only: the policies registered through :func:`register_permission_policy`.
_policies_without_registry: dict[type[Model], BasePermissionPolicy] = {}


def _wagtail_registry():
    try:
        from wagtail.permissions import policy_registry
    except ImportError:  # Wagtail 7.4: no registry
        return None
    return policy_registry


def register_permission_policy(model: type[Model], policy: BasePermissionPolicy) -> None:
    """Make ``policy`` the one every permission check on ``model`` uses."""
    if _wagtail_registry() is None:
        _policies_without_registry[model] = policy
        return
    from wagtail.permissions import register_permission_policy as register

    register(model, policy)


def permission_policy_for(model: type[Model]) -> BasePermissionPolicy:
    """The policy registered for ``model``, or Wagtail's default for a model."""
    registry = _wagtail_registry()
    if registry is None:
        return _policies_without_registry.get(model) or ModelPermissionPolicy(model)
    return registry.get_by_type(model)
