"""A campaign's details page: wording per target, audience or results, live progress, and
what comes next."""

from django.utils.functional import cached_property
from wagtail.admin.views import generic

from ...campaigns.planning import audience_counts
from ...campaigns.results import funnels_by_target
from ...models import Campaign
from .controls import control_facts
from .progress import progress_context
from .report import results_context
from .steps import DELETABLE, action_buttons


class CampaignInspectView(generic.InspectView):
    """A campaign's details: wording per target, audience or results, and what comes next."""

    template_name = "wagtail_pushseg/campaigns/inspect.html"

    def get_fields(self):
        return []

    def get_edit_url(self):
        return super().get_edit_url() if self.object.is_editable else None

    def get_delete_url(self):
        return super().get_delete_url() if self.object.status in DELETABLE else None

    @cached_property
    def header_buttons(self):
        return action_buttons(self.request.user, self.object)

    def get_context_data(self, **kwargs):
        campaign = self.object
        targets = list(campaign.targets.select_related("segment"))
        planned = campaign.status not in Campaign.EDITABLE
        if not planned:
            reach = audience_counts(campaign)
            for target in targets:
                target.reach = reach.get(target.pk, 0)
        per_target = funnels_by_target(campaign.pk)
        for target in targets:
            target.funnel = per_target.get(target.pk)
        return super().get_context_data(
            campaign=campaign,
            targets=targets,
            excluded=list(campaign.excluded_segments.all()),
            planned=planned,
            controls=control_facts(campaign),
            # Once planned: the live progress and the results (``includes/``).
            progress=progress_context(self.request.user, campaign) if planned else None,
            results=results_context(campaign) if planned else None,
            **kwargs,
        )
