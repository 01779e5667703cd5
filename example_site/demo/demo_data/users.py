"""Step 2: the demo logins, a superuser and an ordinary editor."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission


PASSWORD = "changeme"


@dataclass
class UsersResult:
    admin: object
    editor: object
    created: list[str]


def _editors_group() -> Group:
    # Wagtail's migrations create it; rebuild the essentials if someone deleted it.
    group, created = Group.objects.get_or_create(name="Editors")
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
    return group


def _ensure_user(username: str, email: str, *, superuser: bool, created: list[str]):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        created.append(username)
    changed = user.pk is None
    wanted = {
        "email": email,
        "is_superuser": superuser,
        "is_staff": superuser,
        "is_active": True,
        "first_name": username.capitalize(),
        "last_name": "Demo",
    }
    for name, value in wanted.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed = True
    # The printed login must work, so a changed password is put back.
    if not user.check_password(PASSWORD):
        user.set_password(PASSWORD)
        changed = True
    if changed:
        user.save()
    return user


def create_users() -> UsersResult:
    """``admin`` (superuser) and ``editor`` (Editors group only), both with password changeme."""
    created: list[str] = []
    admin = _ensure_user("admin", "admin@example.com", superuser=True, created=created)
    editor = _ensure_user("editor", "editor@example.com", superuser=False, created=created)
    editor.groups.add(_editors_group())
    return UsersResult(admin=admin, editor=editor, created=created)
