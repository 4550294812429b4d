"""The manifest saved inside every model artifact: what it is, what made it, how it did."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ARTIFACT_FORMAT = "review-triage-model"
ARTIFACT_FORMAT_VERSION = 2  # 2: the scorer beside the classifier (kept as pickled bytes)


@dataclass(frozen=True, slots=True)
class DataDigest:
    """Which labelled file a model saw: its name, row count and SHA-256 of its bytes."""

    name: str
    rows: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ModelManifest:
    model_version: str
    created_at: str
    labels: dict[str, list[str]]
    thresholds: dict[str, Any]
    calibration: dict[str, dict[str, list[float]]]
    rules_version: str
    libraries: dict[str, str]
    config: dict[str, Any]
    training_data: DataDigest
    calibration_data: DataDigest | None
    evaluation: dict[str, Any] = field(default_factory=dict)
    format: str = ARTIFACT_FORMAT
    format_version: int = ARTIFACT_FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelManifest:
        values = dict(data)
        values["training_data"] = DataDigest(**values["training_data"])
        if values.get("calibration_data") is not None:
            values["calibration_data"] = DataDigest(**values["calibration_data"])
        return cls(**values)
