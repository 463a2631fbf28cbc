"""Pipeline configuration: YAML -> validated settings.

A config file names the stages to run, in order, each with its settings, and
the rule packs to load::

    rule_packs: [boilerplate/common.yaml, boilerplate/en.yaml]
    stages:
      - decode: {}
      - extract: {favor: balanced}
      - filters: {languages: [en], min_chars: 200}

A user's file can start from another one and change parts of it::

    extends: default          # the shipped default, or a path to another file
    rule_packs: [my-site.yaml]  # appended to the inherited packs
    settings:                 # merged into the inherited stage settings
      filters: {languages: [en, de]}

Every error names the file, the line, the key and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.errors import ConfigError
from cleaner.limits import Limits
from cleaner.resources import rules_dir
from cleaner.yamlio import line_of, load_yaml

TOP_KEYS = {
    "extends": "a config name or path to inherit from",
    "name": "a name for this config",
    "description": "free text",
    "rule_packs": "a list of rule-pack paths (relative to this file)",
    "stages": "the ordered list of stages, each `name: {settings}`",
    "settings": "a mapping of stage name to setting overrides",
    "limits": "a mapping of the run's limits (document size, time, memory) to values",
}
MAX_EXTENDS = 32  # configs in one `extends` chain


@dataclass
class StageSpec:
    name: str
    options: dict[str, Any]
    file: str
    line: int | None


@dataclass
class Config:
    """A resolved, validated configuration."""

    path: str
    stages: list[StageSpec] = field(default_factory=list)
    rule_packs: list[Path] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    files: list[Path] = field(default_factory=list)  # the config and every file it extends

    def stage_options(self, name: str) -> dict[str, Any] | None:
        for spec in self.stages:
            if spec.name == name:
                return spec.options
        return None


def resolve_config_path(name_or_path: str | Path | None) -> Path:
    if name_or_path is None:
        return rules_dir() / "default.yaml"
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists() or "/" in str(name_or_path):
        return p
    shipped = rules_dir() / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    return p


def load_config(name_or_path: str | Path | None = None) -> Config:
    """Load and validate a pipeline config (the shipped default when None)."""
    return _load(resolve_config_path(name_or_path), seen=())


def _load(path: Path, seen: tuple[Path, ...]) -> Config:
    path = path.resolve() if path.exists() else path
    if path in seen:
        raise ConfigError("`extends` forms a cycle", file=str(path), key="extends")
    data = load_yaml(path)
    fname = str(path)
    if len(seen) >= MAX_EXTENDS:
        raise ConfigError(
            f"`extends` chain longer than {MAX_EXTENDS} configs (starting at {seen[0]})",
            file=fname,
            line=line_of(data, "extends") if isinstance(data, dict) else None,
            key="extends",
        )
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            "expected a mapping with keys " + ", ".join(TOP_KEYS),
            file=fname,
            line=getattr(data, "line", None),
        )
    for key in data:
        if key not in TOP_KEYS:
            raise ConfigError(
                "unknown key; expected one of: " + ", ".join(TOP_KEYS),
                file=fname,
                line=line_of(data, key),
                key=str(key),
            )

    if "extends" in data:
        parent_name = data["extends"]
        if not isinstance(parent_name, str):
            raise ConfigError(
                "expected a string: a shipped config name or a path",
                file=fname,
                line=line_of(data, "extends"),
                key="extends",
            )
        parent_path = _relative(parent_name, path)
        if not parent_path.is_file():
            raise ConfigError(
                f"cannot find the config to extend ({parent_path})",
                file=fname,
                line=line_of(data, "extends"),
                key="extends",
            )
        if parent_path.resolve() in seen + (path,):
            raise ConfigError(
                f"`extends` forms a cycle ({parent_path} extends back to this file)",
                file=fname,
                line=line_of(data, "extends"),
                key="extends",
            )
        cfg = _load(parent_path, seen + (path,))
        cfg.path = fname
        cfg.files.append(path)
    else:
        cfg = Config(path=fname, files=[path])
        if "stages" not in data:
            raise ConfigError(
                "a config without `extends` must list its `stages`",
                file=fname,
                line=getattr(data, "line", None) or 1,
                key="stages",
            )

    if "stages" in data:
        cfg.stages = _parse_stages(data["stages"], fname, line_of(data, "stages"))
    if "rule_packs" in data:
        packs = data["rule_packs"]
        if not isinstance(packs, list) or not all(isinstance(p, str) for p in packs):
            raise ConfigError(
                "expected a list of file paths",
                file=fname,
                line=line_of(data, "rule_packs"),
                key="rule_packs",
            )
        for i, p in enumerate(packs):
            pack = _relative(p, path)
            if not pack.is_file():
                raise ConfigError(
                    f"rule pack not found: {pack}",
                    file=fname,
                    line=line_of(packs, i),
                    key="rule_packs",
                )
            if pack not in cfg.rule_packs:
                cfg.rule_packs.append(pack)
    if "settings" in data:
        _apply_overrides(cfg, data["settings"], fname, line_of(data, "settings"))
    if "limits" in data:
        cfg.limits = _parse_limits(cfg.limits, data["limits"], fname, line_of(data, "limits"))
    return cfg


def _parse_limits(inherited: Limits, values: Any, fname: str, line: int | None) -> Limits:
    """The ``limits:`` mapping over the inherited limits: known keys, numbers of 0 or more."""
    from dataclasses import fields, replace

    from cleaner.limits import limit_settings

    if not isinstance(values, dict):
        raise ConfigError("expected a mapping of limit names to numbers", file=fname, line=line, key="limits")
    schema = limit_settings()
    checked = _check_settings(values, schema, "limits", fname, line, "limits accepts")
    for key, value in checked.items():
        if not 0 <= value < float("inf"):  # NaN fails both
            raise ConfigError(
                f"expected a number of 0 or more (0: no limit), got {value!r}",
                file=fname,
                line=line_of(values, key) or line,
                key=f"limits.{key}",
            )
    floats = {f.name for f in fields(Limits) if f.type in ("float", float)}
    values = {k: float(v) if k in floats else v for k, v in checked.items()}
    return replace(inherited, **values)


def _relative(p: str, config_path: Path) -> Path:
    candidate = Path(p)
    if candidate.is_absolute():
        return candidate
    here = config_path.parent / candidate
    if here.exists():
        return here
    if candidate.suffix not in (".yaml", ".yml"):
        shipped = rules_dir() / f"{p}.yaml"
        if shipped.is_file():
            return shipped
    shipped = rules_dir() / candidate
    if shipped.exists():
        return shipped
    return here


def _parse_stages(items: Any, fname: str, line: int | None) -> list[StageSpec]:
    from cleaner.stages import STAGES

    if not isinstance(items, list):
        raise ConfigError("expected a list of stages", file=fname, line=line, key="stages")
    specs = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        item_line = line_of(items, i)
        options: Any
        if isinstance(item, str):
            name, options = item, {}
        elif isinstance(item, dict) and len(item) == 1:
            name, options = next(iter(item.items()))
            if options is None:
                options = {}
        else:
            raise ConfigError(
                "each stage must be `name` or `name: {settings}`",
                file=fname,
                line=item_line,
                key=f"stages[{i}]",
            )
        if name not in STAGES:
            raise ConfigError(
                f"unknown stage {name!r}; expected one of: " + ", ".join(STAGES),
                file=fname,
                line=item_line,
                key=f"stages[{i}]",
            )
        if name in seen:
            raise ConfigError(
                f"stage {name!r} is listed twice", file=fname, line=item_line, key=f"stages[{i}]"
            )
        seen.add(name)
        specs.append(StageSpec(name, validate_options(name, options, fname, item_line), fname, item_line))
    return specs


def _apply_overrides(cfg: Config, overrides: Any, fname: str, line: int | None) -> None:
    if not isinstance(overrides, dict):
        raise ConfigError(
            "expected a mapping of stage name to settings", file=fname, line=line, key="settings"
        )
    by_name = {s.name: s for s in cfg.stages}
    for name, options in overrides.items():
        oline = line_of(overrides, name)
        if name not in by_name:
            raise ConfigError(
                "not a stage of this pipeline; stages are: " + ", ".join(by_name),
                file=fname,
                line=oline,
                key=f"settings.{name}",
            )
        checked = validate_options(name, options or {}, fname, oline, prefix=f"settings.{name}")
        spec = by_name[name]
        spec.options = {**spec.options, **checked}


def validate_options(
    stage: str, options: Any, fname: str, line: int | None, prefix: str | None = None
) -> dict[str, Any]:
    """Check a stage's settings against its declared schema."""
    from cleaner.stages import STAGES

    prefix = prefix or f"stages.{stage}"
    if not isinstance(options, dict):
        raise ConfigError("expected a mapping of settings", file=fname, line=line, key=prefix)
    return _check_settings(options, STAGES[stage].settings, prefix, fname, line, f"{stage} accepts")


def _check_settings(
    options: dict[Any, Any], schema: dict[str, Any], prefix: str, fname: str, line: int | None, accepts: str
) -> dict[str, Any]:
    out = {}
    for key, value in options.items():
        kline = line_of(options, key) or line
        if key not in schema:
            known = ", ".join(sorted(schema)) or "(this stage has no settings)"
            raise ConfigError(
                f"unknown setting; {accepts}: {known}",
                file=fname,
                line=kline,
                key=f"{prefix}.{key}",
            )
        setting = schema[key]
        ok = isinstance(value, setting.types) and not (isinstance(value, bool) and bool not in setting.types)
        if not ok and float in setting.types and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise ConfigError(
                f"expected {setting.describe()}, got {type(value).__name__} {value!r}",
                file=fname,
                line=kline,
                key=f"{prefix}.{key}",
            )
        if setting.choices is not None and value not in setting.choices:
            raise ConfigError(
                f"expected {setting.describe()}, got {value!r}",
                file=fname,
                line=kline,
                key=f"{prefix}.{key}",
            )
        out[key] = value
    return out
