"""Base class shared by all stages.

A stage is a small class with a ``name``, a declared settings schema, and one
method, :meth:`Stage.process`, that takes a document and amends it in place.
Stages never print or write files.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from cleaner.document import Document
    from cleaner.jit import Group
    from cleaner.rules import RuleSet


class Setting:
    """One declared setting of a stage: expected type(s), default, help text."""

    __slots__ = ("types", "default", "help", "choices")

    def __init__(
        self,
        types: type | tuple[type, ...],
        default: Any,
        help: str = "",
        choices: tuple[Any, ...] | None = None,
    ) -> None:
        self.types = types if isinstance(types, tuple) else (types,)
        self.default = default
        self.help = help
        self.choices = choices

    def describe(self) -> str:
        names = " or ".join(_type_name(t) for t in self.types)
        if self.choices:
            names += " (one of: " + ", ".join(map(str, self.choices)) + ")"
        return names


def _type_name(t: type) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "null",
    }.get(t, t.__name__)


class Stage:
    """Base class: subclasses set ``name`` and ``settings`` and implement ``process``."""

    name: ClassVar[str] = ""
    settings: ClassVar[dict[str, Setting]] = {}

    def __init__(self, options: dict[str, Any], rules: RuleSet | None = None) -> None:
        # options are already validated by cleaner.config; fill in defaults
        self.options = {k: s.default for k, s in self.settings.items()}
        self.options.update(options)
        self.rules = rules
        self.counts: Counter[str] = Counter()
        self._ready = False

    def process(self, doc: Document) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def warm(self) -> None:
        """Load what the stage loads lazily (a stage that loads nothing lazily: nothing)."""

    def kernel_groups(self) -> list[Group]:
        """The compiled kernels this stage runs (see :mod:`cleaner.jit`; none by default)."""
        return []

    def ready(self) -> None:
        """Compile (or load) the stage's kernels, once: stages with kernels call
        this before their first document, outside any per-document time limit
        (a pipeline warms every stage's at once, before its first document)."""
        if not self._ready:
            groups = self.kernel_groups()
            if groups:
                from cleaner import jit

                jit.warm(groups)
            self._ready = True
