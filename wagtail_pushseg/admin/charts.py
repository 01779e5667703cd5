"""Chart configurations for the admin's trends, funnels and progress (rendered by Chart.js).

Views build a config with these functions and hand it to ``{% pushseg_chart %}`` (in
``pushseg_admin``); the page loads the scripts once with ``{% pushseg_chart_scripts %}``.
A config is plain JSON-able data, so a live view can send a fresh one and the page redraws
it with ``window.pushsegCharts.update(id, config)``.
"""

from collections.abc import Sequence
from typing import Any


# Wagtail's own palette, so charts look at home in the admin.
PALETTE = ("#007d7e", "#e9b04d", "#cd4444", "#2e1f5e", "#1d7d3a", "#6b7280", "#c64f9d", "#3b82f6")


#: Intl.NumberFormat options for a 0..1 axis. Chart.js sets minimumFractionDigits from the tick
#: step (2 for steps of 0.01) and then applies these: without the minimum here, small rates
#: (a click-through of a few percent) made min > max and Intl threw a RangeError.
PERCENT_FORMAT = {"style": "percent", "minimumFractionDigits": 0, "maximumFractionDigits": 1}


def series(label: str, values: Sequence[float | int | None], *, index: int = 0,
           color: str | None = None, fill: bool = False, **extra: Any) -> dict[str, Any]:
    """One line or bar series, coloured from the palette by its position."""
    colour = color or PALETTE[index % len(PALETTE)]
    return {"label": str(label), "data": list(values), "borderColor": colour,
            "backgroundColor": colour, "fill": fill, "tension": 0.2, **extra}


def _config(kind: str, labels: Sequence[Any], datasets: list[dict], *, y_label: str = "",
            percent: bool = False, stacked: bool = False, title: str = "") -> dict[str, Any]:
    y_axis: dict[str, Any] = {"beginAtZero": True, "stacked": stacked,
                              "title": {"display": bool(y_label), "text": str(y_label)}}
    if percent:
        y_axis["ticks"] = {"format": PERCENT_FORMAT}
    return {
        "type": kind,
        "data": {"labels": [str(label) for label in labels], "datasets": datasets},
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "interaction": {"mode": "index", "intersect": False},
            "plugins": {"title": {"display": bool(title), "text": str(title)},
                        "legend": {"position": "bottom"}},
            "scales": {"x": {"stacked": stacked}, "y": y_axis},
        },
    }


def line_chart(labels: Sequence[Any], datasets: list[dict], **options: Any) -> dict[str, Any]:
    """Trends over time: one line per series (``percent=True`` for rates between 0 and 1)."""
    return _config("line", labels, datasets, **options)


def bar_chart(labels: Sequence[Any], datasets: list[dict], **options: Any) -> dict[str, Any]:
    """Funnels and comparisons: bars per label (``stacked=True`` to stack the series)."""
    return _config("bar", labels, datasets, **options)
