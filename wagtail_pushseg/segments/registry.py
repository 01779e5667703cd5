"""The registry of rule kinds: every kind of segment rule, in the order editors see them.

A rule kind is one class (a :class:`~wagtail_pushseg.segments.rules.Rule` subclass) carrying
its block, how it is read from the stored JSON, its SQL, its plain-Python measure and its
words; the blocks, the parser, the compiler, the reference evaluator and the explanations all
read it from here. The package's own kinds are in :mod:`wagtail_pushseg.segments.kinds`,
registered when the app is ready (as Django connects signal handlers), so that this module,
which the ``Segment`` model's blocks read, imports no model.

Adding a kind changes the ``Segment.rules`` StreamField, so it needs a migration like any
change of blocks.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured

from .rules import Rule


class RuleKindRegistry:
    """Rule classes by the name their blocks are stored under, in registration order."""

    def __init__(self) -> None:
        self._kinds: dict[str, type[Rule]] = {}

    def register(self, rule_class: type["Rule"]) -> type["Rule"]:
        """Add a kind (usable as a class decorator); its ``kind`` is the stored block name."""
        name = rule_class.kind
        if not name or name == "group":
            raise ImproperlyConfigured(f"{rule_class.__name__} needs a kind name other than "
                                       "'' and 'group'")
        if self._kinds.get(name, rule_class) is not rule_class:
            raise ImproperlyConfigured(f"the rule kind {name!r} is registered already")
        self._kinds[name] = rule_class
        return rule_class

    def unregister(self, name: str) -> None:
        del self._kinds[name]

    @contextmanager
    def registered(self, rule_class: type["Rule"]) -> Iterator[type["Rule"]]:
        """Register ``rule_class`` for the duration of a ``with`` block (tests, experiments)."""
        self.register(rule_class)
        try:
            yield rule_class
        finally:
            self.unregister(rule_class.kind)

    def get(self, name: str) -> type["Rule"] | None:
        return self._kinds.get(name)

    def __iter__(self) -> Iterator[type["Rule"]]:
        if not self._kinds:
            raise ImproperlyConfigured(
                "No rule kinds are registered: wagtail_pushseg registers its own when the app "
                "is ready (is it in INSTALLED_APPS, and is Django set up?)."
            )
        return iter(list(self._kinds.values()))

    def names(self) -> list[str]:
        return [rule_class.kind for rule_class in self]


#: The registry the package reads; ``@rule_kinds.register`` adds a kind.
rule_kinds = RuleKindRegistry()
