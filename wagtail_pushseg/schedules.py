"""The plugin's recurring django-q2 jobs, created or updated after every ``migrate``."""

from django.utils import timezone


SCHEDULES = {
    # name: (task function, schedule type, minutes)
    "wagtail_pushseg: purge old events": ("wagtail_pushseg.tasks.purge_events", "D", None),
}


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    for name, (func, schedule_type, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": schedule_type, "minutes": minutes},
            create_defaults={
                "func": func, "schedule_type": schedule_type, "minutes": minutes,
                "next_run": timezone.now(), "repeats": -1,
            },
        )
