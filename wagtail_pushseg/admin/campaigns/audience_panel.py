"""The composer's audience panel: segment suggestions and the live audience preview."""

from collections.abc import Sequence

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

from ...campaigns.suggestions import suggest_segments
from ..permissions import can_compose_campaigns
from .prefill import page_by_id


CSS: dict[str, Sequence[str]] = {"all": ["wagtail_pushseg/admin/campaigns.css"]}
JS = ["wagtail_pushseg/admin/campaigns.js"]


class AudiencePanel(Panel):
    """The composer's segment suggestions and live audience preview (``pushseg-audience``)."""

    def __init__(self, heading="", **kwargs):
        super().__init__(heading=heading or _("Audience preview"), **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_pushseg/campaigns/audience_panel.html"

        @property
        def media(self) -> forms.Media:
            return forms.Media(css=CSS, js=JS)

        def is_shown(self) -> bool:
            return self.request is not None and can_compose_campaigns(self.request.user)

        def page(self):
            if self.form is not None and "page" in self.form.fields:
                return page_by_id(self.form["page"].value())
            return page_by_id(getattr(self.instance, "page_id", None))

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(
                preview_url=reverse("wagtail_pushseg_campaigns:audience_preview"),
                suggestions_url=reverse("wagtail_pushseg_campaigns:suggestions"),
                suggestions=suggest_segments(self.page()),
            )
            return context
