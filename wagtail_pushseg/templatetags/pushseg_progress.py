"""``{% campaign_progress campaign %}``: a campaign's live progress (``admin/campaign_progress``),
so the inspect template can show it without the view knowing about it."""

from django import template

from ..admin.campaign_progress import progress_context


register = template.Library()


@register.simple_tag(takes_context=True)
def campaign_progress(context, campaign):
    return progress_context(context, campaign)
