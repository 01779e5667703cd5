from datetime import UTC, datetime, timedelta

import pytest

from wagtail_pushseg.models import Profile
from wagtail_pushseg.tracking.describe import describe_profile
from wagtail_pushseg.tracking.recorder import fold_visit


NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


class _Sub:
    timezone = "Asia/Tokyo"


def profile_with(visits) -> Profile:
    profile = Profile()
    for when, tags in visits:
        fold_visit(profile, _Sub(), when, tags)
    return profile


def test_weekly_regular_reads_as_about_weekly():
    profile = profile_with([(NOW - timedelta(weeks=w, days=3), ["news"]) for w in range(8)])
    text = describe_profile(profile, NOW)
    assert text.startswith("Visits about weekly, last seen 3\xa0days ago, 0% of recent visits")
    assert "most active around 19:00 local time" in text  # 10:00 UTC is 19:00 in Tokyo


def test_bargain_hunter_share():
    profile = profile_with([(NOW, ["sale"])] * 3 + [(NOW, ["news"])])
    assert "75% of recent visits to sale pages" in describe_profile(profile, NOW)


def test_older_sale_visits_weigh_less_than_recent_ones():
    profile = profile_with([(NOW - timedelta(days=14), ["sale"]), (NOW, ["news"])])
    # The sale visit is one half-life (14 days) old: 0.5 / 1.5.
    assert profile.recent_sale_visits / profile.recent_visits == pytest.approx(1 / 3)


def test_no_visits():
    assert describe_profile(None) == "No page views recorded yet."
