"""The plugin's recurring django-q2 jobs, created or updated after every ``migrate``."""

from django.utils import timezone

from .conf import pushseg_settings


SCHEDULES = {
    # name: (task function, schedule type, minutes: a number, None, or a callable read at
    # migrate time so that a setting decides it)
    "wagtail_pushseg: purge old events": ("wagtail_pushseg.tasks.purge_events", "D", None),
    "wagtail_pushseg: purge stale subscribers": (
        "wagtail_pushseg.tasks.purge_stale_subscribers", "D", None,
    ),
    "wagtail_pushseg: send scheduled campaigns": (
        "wagtail_pushseg.tasks.dispatch_scheduled_campaigns", "I", 1,
    ),
    "wagtail_pushseg: ring sending campaigns": (
        "wagtail_pushseg.tasks.ring_sending_campaigns", "I", 1,
    ),
    "wagtail_pushseg: release A/B test winners": (
        "wagtail_pushseg.tasks.release_ab_winners", "I", 1,
    ),
    "wagtail_pushseg: refresh segments": (
        "wagtail_pushseg.tasks.refresh_segments", "I",
        lambda: pushseg_settings.SEGMENT_REFRESH_MINUTES,
    ),
    "wagtail_pushseg: refresh segment suggestions": (
        "wagtail_pushseg.tasks.refresh_segment_suggestions", "D", None,
    ),
    "wagtail_pushseg: segment history and drift alerts": (
        "wagtail_pushseg.tasks.snapshot_segment_history", "D", None,
    ),
}


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    for name, (func, schedule_type, minutes) in SCHEDULES.items():
        if callable(minutes):
            minutes = minutes()
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": schedule_type, "minutes": minutes},
            create_defaults={
                "func": func, "schedule_type": schedule_type, "minutes": minutes,
                "next_run": timezone.now(), "repeats": -1,
            },
        )
