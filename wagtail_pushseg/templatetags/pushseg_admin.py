"""Template tags for the plugin's admin pages: charts.

    {% load pushseg_admin %}
    {% pushseg_chart_scripts %}                 once, in the ``extra_js`` block
    {% pushseg_chart config "progress-chart" %}  a chart from a config of ``admin/charts.py``
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, json_script


register = template.Library()


@register.simple_tag
def pushseg_chart_scripts():
    return format_html(
        '<script src="{}"></script><script src="{}"></script>',
        static("wagtail_pushseg/vendor/chart.umd.min.js"),
        static("wagtail_pushseg/admin/charts.js"),
    )


@register.simple_tag
def pushseg_chart(config, chart_id, height=260, label=""):
    """A canvas drawn from ``config``; the data also sits in the page as inert JSON."""
    return format_html(
        '<div class="pushseg-chart" style="position: relative; height: {}px">'
        '<canvas id="{}" data-pushseg-chart="{}-config" role="img" aria-label="{}"></canvas>'
        "</div>{}",
        int(height), chart_id, chart_id, label or chart_id,
        json_script(config, f"{chart_id}-config"),
    )
