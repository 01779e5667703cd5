"""Moderators may send campaigns out of the box (editors compose; moderators send)."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="wagtail_pushseg", model="campaign")
    codenames = {
        "send_campaign": "Can send, schedule and cancel campaigns",
        "add_campaign": "Can add campaign",
        "change_campaign": "Can change campaign",
        "view_campaign": "Can view campaign",
    }
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in codenames.items()
    ]
    for group in Group.objects.filter(name="Moderators"):
        group.permissions.add(*permissions)
    # Editors compose and save; sending stays with moderators.
    for group in Group.objects.filter(name="Editors"):
        group.permissions.add(*[p for p in permissions if p.codename != "send_campaign"])


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=["Moderators", "Editors"]):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="wagtail_pushseg",
                                       content_type__model="campaign")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_pushseg", "0004_campaigns"),
        ("wagtailcore", "0002_initial_data"),  # creates the Editors and Moderators groups
        ("auth", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
