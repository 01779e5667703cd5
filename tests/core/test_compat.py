"""``wagtail_pushseg.compat``: the same permission answers on Wagtail 7.4 (no policy registry)
and 8.x (``wagtail.permissions.policy_registry``). CI runs this file on both versions."""

import pytest
from django.contrib.auth.models import Permission

from wagtail_pushseg.admin.permissions import BrowserCreatedPolicy
from wagtail_pushseg.compat import permission_policy_for
from wagtail_pushseg.models import Segment, Subscriber


pytestmark = pytest.mark.django_db


def test_registered_policy_is_the_one_looked_up():
    assert isinstance(permission_policy_for(Subscriber), BrowserCreatedPolicy)


def test_subscribers_stay_read_only_even_with_the_add_permission(push_manager):
    granted = Permission.objects.filter(content_type__app_label="wagtail_pushseg",
                                        codename__in=["add_subscriber", "change_subscriber"])
    assert granted.count() == 2
    push_manager.user_permissions.add(*granted)
    assert push_manager.has_perm("wagtail_pushseg.add_subscriber")
    policy = permission_policy_for(Subscriber)
    assert policy.user_has_permission(push_manager, "view")
    assert not policy.user_has_permission(push_manager, "add")
    assert not policy.user_has_permission(push_manager, "change")


def test_unregistered_model_gets_the_model_permissions(editor):
    policy = permission_policy_for(Segment)
    assert not policy.user_has_permission(editor, "view")
    editor.user_permissions.add(Permission.objects.get(codename="view_segment"))
    editor = type(editor).objects.get(pk=editor.pk)  # drop Django's cached permissions
    assert permission_policy_for(Segment).user_has_permission(editor, "view")
