"""The one settings object, read from environment variables (prefix TRIAGE_) with defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    model_path: Path = Field(
        default=PROJECT_ROOT / "var" / "model.joblib",
        description="Model artifact the commands use when --model is not given.",
    )
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Labelled data folder.")
    cache_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "cache",
        description="Files derived at first use and rebuilt when missing: the compiled rules.",
    )
    embeddings_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "models" / "all-MiniLM-L6-v2",
        description="The tfidf_minilm family's sentence encoder (`triage fetch-embeddings`).",
    )
    static_embeddings_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "models" / "tokenlearn-static-10k-64d",
        description="The tfidf_static family's multilingual static embeddings "
        "(`triage fetch-embeddings`).",
    )
    target_precision: float = Field(
        default=0.95,
        gt=0.0,
        le=1.0,
        description="Precision that auto-applied labels must reach on the calibration set.",
    )
    red_target_recall: float = Field(
        default=0.98,
        gt=0.0,
        le=1.0,
        description="Red recall (rules and model) the P(red) threshold is chosen for, on the "
        "calibration set the thresholds are fitted on.",
    )
    max_text_chars: int = Field(default=20_000, gt=0, description="Longest accepted text.")
    model_family: str = Field(
        default="tfidf_logreg",
        description="Model family `triage train` fits: tfidf_logreg, tfidf_svm, tfidf_minilm "
        "or tfidf_static.",
    )
    fit_calibration_set: str | None = Field(
        default=None,
        description="Registered calibration set the calibration map and the thresholds are "
        "fitted on; default `real` (the real-feedback set) when the data has it, else `authored`.",
    )
    calibration_method: str = Field(
        default="temperature",
        pattern="^(temperature|auto)$",
        description="How `triage train` maps scores to probabilities on the fit set: "
        "`temperature` (one per head; keeps the model's top labels, right when the fit set's "
        "class mix differs from the training data's, as real feedback does) or `auto` (vector "
        "scaling when it predicts held-out rows better).",
    )
    mlflow_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "mlflow",
        description="Folder of the default MLflow store (SQLite database and artifacts).",
    )
    calibration_sessions_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "calibration-sessions",
        description="Where `triage calibration add-session` writes a session's labelled file "
        "(registered sets point at it: keep it).",
    )
    mlflow_tracking_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "TRIAGE_MLFLOW_TRACKING_URI"),
        description="MLflow tracking server or store; default: the SQLite store in mlflow_dir.",
    )
    promotion_f1_margin: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="How much lower a candidate's macro-F1 per head may be than the champion's.",
    )
    promotion_max_ece: float = Field(
        default=0.05,
        gt=0.0,
        le=1.0,
        description="Highest expected calibration error per head a promoted model may have, on "
        "the set its probabilities were calibrated on (15-bin top-label ECE: on the 1,199 real "
        "rows the best single temperature reaches 0.032, and sampling noise alone is about 0.02).",
    )
    promotion_bootstrap_replicates: int = Field(
        default=1000,
        ge=100,
        le=100_000,
        description="Paired bootstrap replicates behind each promotion gate's interval (1,000 "
        "take well under a second per promotion on the ~1,200 real rows).",
    )
    promotion_confidence: float = Field(
        default=0.95,
        ge=0.5,
        lt=1.0,
        description="Confidence level of the promotion gates' intervals.",
    )
    promotion_ece_min_rows: int = Field(
        default=500,
        ge=0,
        description="Smallest calibration set whose ECE is gated (smaller sets are too noisy).",
    )
    actor: str | None = Field(
        default=None, description="Who is acting, recorded on promotions (default: OS user)."
    )

    # ---- the escalation service ----
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'triage.db'}",
        description="SQLAlchemy URL of the service database (PostgreSQL: postgresql+psycopg://...).",
    )
    model_source: str = Field(
        default="auto",
        pattern="^(auto|champion|file|none)$",
        description="Where the service loads its model: champion (models:/review-triage@champion), "
        "file (model_path), auto (the champion if the store has one, else the file), or none "
        "(rules only).",
    )
    model_poll_seconds: float = Field(
        default=30.0,
        ge=0.0,
        description="How often the service checks whether @champion moved (a promotion or a "
        "rollback) and reloads its model if so; 0: never (POST /v1/model/reload still works).",
    )
    routing_policy: Path | None = Field(
        default=None,
        description="Routing policy JSON (default: service/routing/routing_policy.json).",
    )
    policy_poll_seconds: float = Field(
        default=10.0,
        ge=0.0,
        description="How often the service reads the routing policy file again and, when its "
        "content changed and is valid, serves the new policy; 0: never (restart to change it).",
    )
    reply_templates: Path | None = Field(
        default=None,
        description="Reply and update templates JSON (default: "
        "service/replies/reply_templates.json).",
    )
    reply_company_name: str = Field(
        default="", max_length=200, description="The company's name, for reply templates."
    )
    reply_team_name: str = Field(
        default="The customer team",
        max_length=200,
        description="Who signs replies, for reply templates.",
    )
    reply_contact: str = Field(
        default="",
        max_length=200,
        description="Where authors can reach the team privately (an address or a page), for "
        "reply templates.",
    )
    batch_limit: int = Field(default=1000, gt=0, le=100_000, description="Most items per batch.")
    page_limit: int = Field(default=200, gt=0, description="Most items per page of a listing.")
    max_body_bytes: int = Field(
        default=64 * 1024 * 1024,
        gt=0,
        description="Largest request body; larger ones get 413 before they are read in full. "
        "The default holds a full batch: 1,000 items of 20,000 characters of UTF-8 text.",
    )
    retry_after_seconds: int = Field(
        default=5, ge=1, description="Retry-After sent with 503 while the database is down."
    )
    bootstrap_admin_key: SecretStr | None = Field(
        default=None, description="Seeds this admin key when the database has no keys."
    )
    escalation_interval_seconds: float = Field(
        default=60.0, ge=0.0, description="How often the service escalates overdue items; 0: never."
    )
    themes_refit_hours: float = Field(
        default=24.0, ge=0.0, description="How often the service re-fits the themes; 0: never."
    )
    themes_window_days: int = Field(
        default=28, ge=1, le=3660, description="Days of items (by created_at) a re-fit clusters."
    )
    themes_max_items: int = Field(
        default=20000, ge=10, le=1_000_000, description="Most items (newest) a re-fit clusters."
    )
    patterns_interval_seconds: float = Field(
        default=2.0,
        ge=0.0,
        description="How often the service assigns themes to new items and runs the burst "
        "detector over them (off the request path); 0: never (`triage patterns run` still works).",
    )
    patterns_batch: int = Field(
        default=256,
        gt=0,
        le=10_000,
        description="Most items one pattern round analyses (the theme encoder costs 7-9 ms per "
        "item on a core; a full round is followed at once by the next).",
    )
    thresholds_interval_seconds: float = Field(
        default=300.0,
        ge=0.0,
        description="How often the service evaluates the routing policy's metric thresholds "
        "(alerts and `metric_threshold` webhooks); 0: never (`triage thresholds check` still "
        "works).",
    )
    webhook_url: str | None = Field(default=None, description="Where notifications are POSTed.")
    webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key that signs every webhook body."
    )
    webhook_max_attempts: int = Field(default=5, ge=1, le=20)
    webhook_backoff_seconds: float = Field(
        default=1.0, ge=0.0, description="First retry delay; doubles per attempt."
    )
    webhook_timeout_seconds: float = Field(default=5.0, gt=0.0)
    webhook_concurrency: int = Field(
        default=4, ge=1, le=64, description="Most webhooks one service process sends at once."
    )
    webhook_poll_seconds: float = Field(
        default=1.0,
        gt=0.0,
        le=3600.0,
        description="How often a service process looks for due webhooks (other processes' "
        "and retries); what it stores itself is sent at once.",
    )
    ui_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs console session cookies (default: random per start of "
        "`triage serve`, so sessions end when the service restarts).",
    )
    ui_session_minutes: int = Field(default=480, gt=0, description="Console session lifetime.")
    claim_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="How long a reviewer's claim on an item lasts unless renewed "
        "(`POST /v1/items/{id}/claim` again); an expired claim is free for anyone.",
    )
    ui_cookie_secure: bool = Field(
        default=True, description="Mark console cookies Secure (sent over HTTPS and localhost)."
    )
    host: str = Field(default="127.0.0.1", description="Address `triage serve` listens on.")
    port: int = Field(default=8000, gt=0, lt=65536)
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Processes `triage serve` runs (one per core uses every core).",
    )
    opentelemetry: bool = Field(
        default=False,
        description="FastAPI's OpenTelemetry spans, metrics and logs for every request, sent to "
        "the configured OpenTelemetry providers. Off by default: even with no provider set up, "
        "checking for one took about 4 % of the request thread in a profile.",
    )
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="How `triage serve` writes its logs to stderr: json (one object a line, "
        "for log shippers) or text (for people, in development).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token Prometheus sends to scrape GET /metrics (an admin API key "
        "works too); unset: only admin keys may scrape.",
    )
    supervisor_pid: int | None = Field(
        default=None,
        description="Set by `triage serve --workers N` for its workers, not by users: the "
        "process to signal so that every worker reloads the model.",
    )
    audit_share: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description="Share of would-be auto-applied items sent to the review queue as audits.",
    )
    audit_seed: int | None = Field(
        default=None,
        description="Seed of the audit draw (tests); unset: the operating system's randomness.",
    )
    audit_min_reviews: int | None = Field(
        default=None,
        ge=1,
        description="Audited reviews of a class before its live precision may switch it off. "
        "Unset: under the lower-bound rule, as many as an all-correct record needs for its "
        "bound to reach the target (59 at 0.95); under the upper-bound rule, 20.",
    )
    audit_switch_off_bound: Literal["lower", "upper"] = Field(
        default="lower",
        description="Which one-sided 95 % bound must stay at or above the target: lower (the "
        "precision must be shown to reach it) or upper (off once shown to miss it).",
    )

    @property
    def train_paths(self) -> list[Path]:
        """The training data: authored rows, then real rows (a folder, one file per source).
        Parts missing from `data_dir` are left out, so a folder of just `train.csv` works."""
        parts = [
            self.data_dir / "train.csv",
            self.data_dir / "registers.csv",
            self.data_dir / "real" / "train",
        ]
        return [path for path in parts if path.exists()]

    @property
    def calibration_sets(self) -> dict[str, Path]:
        """The project's calibration sets, registered on first use: authored and real."""
        parts = {
            "authored": self.data_dir / "calibration.csv",
            "real": self.data_dir / "real" / "calibration",
        }
        return {name: path for name, path in parts.items() if path.exists()}

    @property
    def fit_set(self) -> str:
        """The calibration set probabilities and thresholds are fitted on."""
        if self.fit_calibration_set:
            return self.fit_calibration_set
        return "real" if "real" in self.calibration_sets else "authored"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
