from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailPushsegConfig(AppConfig):
    name = "wagtail_pushseg"
    label = "wagtail_pushseg"
    verbose_name = _("Push notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the system checks)
        from .schedules import ensure_schedules
        from .segments import kinds  # noqa: F401  (registers the rule kinds)

        post_migrate.connect(ensure_schedules, sender=self)

        from wagtail.signals import page_published

        from .campaigns.signal_handlers import queue_campaigns_waiting_for_page

        # page_published fires when a page really goes live, scheduled publishing included.
        page_published.connect(queue_campaigns_waiting_for_page, dispatch_uid="pushseg_publish")
