from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The example shop and magazine that shows wagtail-pushseg to editors."""

    name = "demo"
    label = "demo"
    verbose_name = _("Demo shop")
    default_auto_field = "django.db.models.BigAutoField"
