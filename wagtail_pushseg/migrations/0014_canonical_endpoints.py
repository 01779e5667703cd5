"""Endpoints stored before they were canonicalised on the way in: rewrite them, and merge the
rows that are one push address (``subscribers.merge``; what merging keeps is in
docs/architecture.md)."""

from django.db import migrations


def canonicalise(apps, schema_editor):
    from wagtail_pushseg.subscribers.merge import canonicalise_subscribers

    canonicalise_subscribers(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_pushseg", "0013_subscriber_purge"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # Going back leaves the canonical spellings: they are valid endpoints under any schema.
        migrations.RunPython(canonicalise, migrations.RunPython.noop),
    ]
