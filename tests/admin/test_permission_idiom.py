"""One way to check a permission in the plugin's admin: Wagtail's ``PermissionCheckedMixin``
with the model's registered permission policy, on every view the plugin registers (found by
walking the URL resolver, so a view added later is held to it too)."""

import inspect
from pathlib import Path

import pytest
from django.urls import get_resolver
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

import wagtail_pushseg.admin
from tests.security.admin_urls import _walk, plugin_admin_urls
from wagtail_pushseg.admin.permissions import BrowserCreatedPolicy, RegisteredPolicy
from wagtail_pushseg.compat import permission_policy_for
from wagtail_pushseg.models import Campaign, Subscriber


def plugin_views() -> list[tuple[str, type, dict]]:
    """(route, view class, as_view() kwargs) of every admin URL of the plugin."""
    routes = {u.route for u in plugin_admin_urls()}
    found = []
    for route, _namespaces, pattern in _walk(get_resolver()):
        if route in routes:
            callback = pattern.callback
            found.append((route, getattr(callback, "view_class", callback),
                          getattr(callback, "view_initkwargs", {})))
    assert len(found) == len(routes) >= 40
    return found


def test_every_plugin_admin_view_checks_a_permission_through_wagtails_mixin():
    for route, view_class, initkwargs in plugin_views():
        assert inspect.isclass(view_class) and issubclass(view_class, PermissionCheckedMixin), (
            f"{route}: {view_class} checks no permission with Wagtail's PermissionCheckedMixin")
        view = view_class(**initkwargs)
        # PermissionCheckedMixin checks nothing without a policy or a required permission.
        assert view.permission_policy is not None, route
        assert view.permission_required or view.any_permission_required, route


def test_our_own_views_name_their_policy_so_wagtail_74_checks_them_too():
    """Wagtail 8 finds a view's policy from its ``model``; 7.4 only checks the policy it is
    given (by a viewset, or on the class). Views of ours outside Wagtail's generic model views
    name it on the class."""
    for route, view_class, initkwargs in plugin_views():
        if "model" in initkwargs:  # built by a viewset, which hands 7.4 its policy
            continue
        declared = next(klass.__dict__["permission_policy"] for klass in view_class.__mro__
                        if "permission_policy" in klass.__dict__)
        assert isinstance(declared, RegisteredPolicy), route


def test_the_registered_policy_is_the_one_a_view_checks():
    from wagtail_pushseg.admin.campaigns.progress import ResumeView
    from wagtail_pushseg.admin.subscribers.send_test_push import TestPushView

    assert isinstance(TestPushView().permission_policy,
                      type(permission_policy_for(Subscriber)))
    assert TestPushView().permission_policy.model is Subscriber
    assert ResumeView().permission_policy.model is Campaign


def test_a_view_given_no_policy_keeps_checking_the_registered_one():
    """Wagtail 7.4's chooser viewsets hand their views ``permission_policy=None``, which would
    make ``PermissionCheckedMixin`` check nothing."""
    from wagtail_pushseg.admin.campaigns.progress import ResumeView

    assert ResumeView(permission_policy=None).permission_policy.model is Campaign
    given = BrowserCreatedPolicy(Campaign)
    assert ResumeView(permission_policy=given).permission_policy is given


def test_no_admin_module_refuses_by_hand():
    """No ``raise PermissionDenied`` and no ``dispatch`` that checks a user: the mixin does."""
    root = Path(wagtail_pushseg.admin.__file__).parent
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if "raise PermissionDenied" in path.read_text()
                 or "has_perm(request.user" in path.read_text()]
    assert offenders == []


@pytest.mark.django_db
def test_a_refused_json_endpoint_answers_json(client, django_user_model):
    """The composer's and the progress poller's endpoints answer a refusal with a JSON 403
    (Wagtail would redirect a non-XHR refusal to the dashboard, which fetch() follows)."""
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    user = django_user_model.objects.create_user("reader", "r@example.com", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    campaign = Campaign.objects.create(title="T", body="B", url="/")
    for url in (reverse("wagtail_pushseg_campaigns:audience_preview"),
                reverse("wagtail_pushseg_campaigns:suggestions"),
                reverse("wagtail_pushseg_campaigns:progress", args=[campaign.pk])):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response["Content-Type"] == "application/json", url
        assert response.json()["error"], url
