"""The one settings object, read from environment variables (prefix TRIAGE_) with defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    model_path: Path = Field(
        default=PROJECT_ROOT / "var" / "model.joblib",
        description="Model artifact the commands use when --model is not given.",
    )
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Labelled data folder.")
    target_precision: float = Field(
        default=0.95,
        gt=0.0,
        le=1.0,
        description="Precision that auto-applied labels must reach on the calibration set.",
    )
    max_text_chars: int = Field(default=20_000, gt=0, description="Longest accepted text.")

    @property
    def train_path(self) -> Path:
        return self.data_dir / "train.csv"

    @property
    def calibration_path(self) -> Path:
        return self.data_dir / "calibration.csv"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
