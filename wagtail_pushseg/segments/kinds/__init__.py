"""The package's own rule kinds, one class each, registered in
:data:`~wagtail_pushseg.segments.registry.rule_kinds` when imported (``AppConfig.ready``).

Modules follow the groups editors see; importing them in this order gives the blocks' order
(which the ``Segment.rules`` migration records).
"""

from . import interests, visits, pushes, subscription, device, membership  # noqa: F401, I001
