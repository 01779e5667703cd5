"""Stale subscribers are retired and purged: a "retired" status with its time, and deliveries
that outlive their subscriber (the subscriber set to NULL) so campaign results keep their
counts."""

import django.db.models.deletion
from django.db import migrations, models


def back_to_the_old_schema(apps, schema_editor):
    # The old schema knows neither anonymous deliveries nor the retired status.
    apps.get_model("wagtail_pushseg", "Delivery").objects.filter(subscriber=None).delete()
    Subscriber = apps.get_model("wagtail_pushseg", "Subscriber")
    for subscriber in Subscriber.objects.filter(status="retired"):
        subscriber.status, subscriber.expired_at = "expired", subscriber.retired_at
        subscriber.save(update_fields=["status", "expired_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('wagtail_pushseg', '0012_progress'),
    ]

    operations = [
        migrations.AddField(
            model_name='subscriber',
            name='retired_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='retired at'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='subscriber',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to='wagtail_pushseg.subscriber'),
        ),
        migrations.AlterField(
            model_name='subscriber',
            name='status',
            field=models.CharField(choices=[('active', 'Active'), ('expired', 'Expired'), ('unsubscribed', 'Unsubscribed'), ('retired', 'Retired (unreachable)')], db_index=True, default='active', max_length=16, verbose_name='status'),
        ),
        # Last forwards, so first backwards: before the column is NOT NULL again.
        migrations.RunPython(migrations.RunPython.noop, back_to_the_old_schema),
    ]
