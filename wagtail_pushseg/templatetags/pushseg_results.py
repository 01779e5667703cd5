"""``{% pushseg_campaign_results campaign as results %}``: a campaign's results for the
``includes/results.html`` include, so the details page needs no view changes to show them."""

from django import template

from ..admin.campaign_report import results_context


register = template.Library()


@register.simple_tag
def pushseg_campaign_results(campaign) -> dict:
    return results_context(campaign)
