"""The chart tags put a canvas and its config (as inert JSON) into admin pages."""

import json

from django.template import Context, Template

from wagtail_pushseg.admin.charts import bar_chart, line_chart, series


def render(template: str, **context) -> str:
    return Template("{% load pushseg_admin %}" + template).render(Context(context))


def test_chart_tag_embeds_the_config_as_json_next_to_its_canvas():
    config = line_chart(["Mon", "Tue"], [series("Sent", [3, 5])], percent=True)
    html = render('{% pushseg_chart config "sent-chart" 200 "Sent per day" %}', config=config)
    assert 'id="sent-chart"' in html
    assert 'data-pushseg-chart="sent-chart-config"' in html
    assert 'aria-label="Sent per day"' in html
    embedded = html.split('<script id="sent-chart-config" type="application/json">')[1]
    data = json.loads(embedded.split("</script>")[0])
    assert data["type"] == "line"
    assert data["data"]["datasets"][0]["data"] == [3, 5]
    assert data["options"]["scales"]["y"]["ticks"]["format"]["style"] == "percent"


def test_chart_data_cannot_break_out_of_the_page():
    config = bar_chart(["</script><script>alert(1)</script>"], [series("x", [1])])
    html = render('{% pushseg_chart config "c" %}', config=config)
    assert "<script>alert(1)" not in html


def test_chart_scripts_load_the_vendored_chartjs_then_the_drawer():
    html = render("{% pushseg_chart_scripts %}")
    assert html.index("vendor/chart.umd.min.js") < html.index("admin/charts.js")
