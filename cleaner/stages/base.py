"""Base class shared by all stages.

A stage is a small class with a ``name``, its settings declared as a frozen
dataclass of typed fields (:class:`StageOptions`, ``self.options.threshold``), and one
method, :meth:`Stage.process`, that takes a document and amends it in place.
Stages never print or write files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, make_dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

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


def option(setting: Setting) -> Any:
    """A field of a stage's options declared by its :class:`Setting` (the default
    is the setting's; a list or mapping default is copied for each stage)."""
    default = setting.default
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"setting": setting})
    return field(default=default, metadata={"setting": setting})


@dataclass(frozen=True)
class StageOptions:
    """A stage's settings, typed and frozen: one field per :class:`Setting`
    (declared with :func:`option`), built from the validated YAML
    (:func:`cleaner.config.validate_options` checked each value's type) over
    the settings' defaults."""

    @classmethod
    def schema(cls) -> dict[str, Setting]:
        """The declared settings, by name, in declaration order."""
        return {f.name: f.metadata["setting"] for f in fields(cls)}

    @classmethod
    def build(cls, stage: str, values: Mapping[str, Any]) -> Any:
        """The options of ``values`` (the others: their defaults)."""
        known = {f.name for f in fields(cls)}
        for key in values:
            if key not in known:
                from cleaner.errors import ConfigError

                raise ConfigError(
                    f"unknown setting; {stage} accepts: {', '.join(sorted(known)) or '(none)'}",
                    key=f"{stage}.{key}",
                )
        return cls(**values)


OptionsT = TypeVar("OptionsT", bound=StageOptions)


class Stage(Generic[OptionsT]):
    """Base class: subclasses set ``name`` and ``Options`` (their settings, a
    :class:`StageOptions` dataclass) and implement ``process``."""

    name: ClassVar[str] = ""
    #: the dataclass of the stage's options; ``settings`` is its schema (for cleaner.config)
    Options: ClassVar[type[StageOptions]] = StageOptions
    settings: ClassVar[dict[str, Setting]] = {}
    #: the stages (by name) that judge a document again after this one repaired its
    #: text (added to ``doc.repairs``), when they run before it in the pipeline
    rejudge_after: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "settings" in cls.__dict__ and "Options" not in cls.__dict__:
            # a stage that declares a ``settings`` dict alone: its options dataclass made from it
            fields_ = [(key, Any, option(s)) for key, s in cls.settings.items()]
            cls.Options = make_dataclass(
                f"{cls.__name__}Options", fields_, bases=(StageOptions,), frozen=True
            )
        cls.settings = cls.Options.schema()

    def __init__(self, options: Mapping[str, Any], rules: RuleSet | None = None) -> None:
        # options are already validated by cleaner.config; the others take their defaults
        self.options: OptionsT = self.Options.build(self.name, options)
        self.rules = rules
        self.counts: Counter[str] = Counter()
        self._ready = False

    def process(self, doc: Document) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def load(self) -> None:
        """Read what the stage works with (its data files, its model), once: called by
        :meth:`ready`, never by the constructor (nothing by default)."""

    def kernel_groups(self) -> list[Group]:
        """The compiled kernels this stage runs (see :mod:`cleaner.jit`; none by
        default), known from the options alone (before :meth:`load`)."""
        return []

    def ready(self) -> None:
        """Load the stage (:meth:`load`) and compile (or load from the cache folder)
        its kernels, once. A stage calls it before its first document, outside any
        per-document time limit; a pipeline readies every stage before its first
        document (:meth:`cleaner.pipeline.Pipeline.warm`)."""
        if not self._ready:
            self.load()
            groups = self.kernel_groups()
            if groups:
                from cleaner import jit

                jit.warm(groups)
            self._ready = True

    def warm(self, html: bool = True) -> None:
        """:meth:`ready`, and with ``html`` what only HTML pages need (the
        extract stage: trafilatura, imported on the first HTML page otherwise):
        what :meth:`cleaner.pipeline.Pipeline.warm` calls, before a batch run
        forks its workers, so that they share it."""
        self.ready()
