"""The stages a pipeline is built from, by the name used in YAML."""

from __future__ import annotations

from cleaner.stages.artifacts import ArtifactsStage
from cleaner.stages.base import Setting, Stage
from cleaner.stages.boilerplate import BoilerplateStage
from cleaner.stages.decode import DecodeStage
from cleaner.stages.encoding import EncodingStage
from cleaner.stages.extract import ExtractStage
from cleaner.stages.filters import FiltersStage
from cleaner.stages.language import LanguageStage
from cleaner.stages.normalize import NormalizeStage

STAGES: dict[str, type[Stage]] = {
    cls.name: cls
    for cls in (
        DecodeStage,
        ExtractStage,
        EncodingStage,
        LanguageStage,
        BoilerplateStage,
        ArtifactsStage,
        NormalizeStage,
        FiltersStage,
    )
}

__all__ = ["STAGES", "Setting", "Stage"]
