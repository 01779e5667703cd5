"""Public names at stable paths: ``wagtail_pushseg.panels.PushPanel``; the path it had before
the admin was split by part still works for one release, with a DeprecationWarning."""

import importlib
import warnings

import pytest


def test_the_push_panel_lives_at_wagtail_pushseg_panels():
    from wagtail_pushseg.panels import PushPanel

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.import_module("wagtail_pushseg.panels")
    assert PushPanel.__module__ == "wagtail_pushseg.panels"


def test_the_old_path_still_gives_the_panel_with_a_deprecation_warning():
    from wagtail_pushseg.panels import PushPanel

    old = importlib.import_module("wagtail_pushseg.admin.campaign_panels")
    with pytest.warns(DeprecationWarning, match=r"import it from wagtail_pushseg\.panels"):
        assert old.PushPanel is PushPanel
    with pytest.warns(DeprecationWarning):
        from wagtail_pushseg.admin.campaign_panels import PushPanel as imported
    assert imported is PushPanel


def test_the_old_path_has_nothing_else():
    old = importlib.import_module("wagtail_pushseg.admin.campaign_panels")
    with pytest.raises(AttributeError):
        old.AudiencePanel  # noqa: B018
