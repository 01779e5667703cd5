"""Ordinary editors for permission tests: in the Editors group, never superusers."""

from django.contrib.auth.models import Group, Permission


def user_with(django_user_model, name: str, *codenames: str):
    """An editor who holds exactly these wagtail_pushseg permissions besides the group's."""
    user = django_user_model.objects.create_user(name, f"{name}@example.com", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="wagtail_pushseg", codename__in=codenames))
    assert not user.is_superuser
    return user
