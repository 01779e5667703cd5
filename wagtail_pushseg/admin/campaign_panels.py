"""Deprecated: ``PushPanel`` lives at ``wagtail_pushseg.panels`` (this path goes in the next
release)."""

import warnings
from typing import Any


def __getattr__(name: str) -> Any:
    if name == "PushPanel":
        warnings.warn(
            "wagtail_pushseg.admin.campaign_panels.PushPanel is deprecated: import it from "
            "wagtail_pushseg.panels",
            DeprecationWarning, stacklevel=2,
        )
        from ..panels import PushPanel

        return PushPanel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
