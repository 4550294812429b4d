"""What every area of the command line shares: the model the commands use, options, stderr."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import ModelNotFoundError, TriageError
from core.settings import Settings, get_settings

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from model.engine import Triager

ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="Model artifact to use instead of the served one (default: what the service "
        "serves: review-triage@champion when the MLflow store has one, else TRIAGE_MODEL_PATH).",
    ),
]

FamilyOption = Annotated[
    str | None,
    typer.Option(
        help="Model family: tfidf_logreg, tfidf_svm, tfidf_minilm or tfidf_static "
        "(default TRIAGE_MODEL_FAMILY)."
    ),
]

OUT_HELP = (
    "Also save the model artifact here. Without it the model is only registered in the MLflow "
    "store: training never replaces the model that is served."
)


def echo_err(message: str) -> None:
    typer.echo(message, err=True)


def client() -> MlflowClient:
    """The MLflow client of the configured store."""
    from training.tracking import connect

    connected: MlflowClient = connect(get_settings())
    return connected


def triager(model: Path | None) -> Triager:
    """The model the command uses, found the way the service finds it (`--model` overrides),
    with the compiled rules from the cache folder; which one is said on stderr."""
    from model.artifact import load_triager
    from model.rules import load_rules
    from service.serving.holder import load_served

    settings = get_settings()
    rules = load_rules(settings.cache_dir)
    if model is not None:
        loaded = load_triager(model, rules=rules)
        version = loaded.manifest.model_version if loaded.manifest else "?"
        echo_err(f"using model {version} from the file {model} (--model)")
        return loaded
    state = load_served(settings, rules, trigger="command line")
    if state.degraded:
        raise ModelNotFoundError(
            f"no model to use: {state.error}. Train one with `triage train`, or pass --model"
        )
    echo_err(f"using {state.summary()}")
    return state.triager


def served_description(settings: Settings) -> str | None:
    """Which model the service and the commands would use now, in words; None when none.
    Reads no more than the alias and the file's manifest."""
    from model.artifact import read_artifact
    from service.serving.holder import served_champion
    from training.model_store import CHAMPION, REGISTERED_MODEL

    try:
        number = served_champion(settings)
    except Exception as exc:  # an unreachable store: the file may still serve
        echo_err(f"could not read {REGISTERED_MODEL}@{CHAMPION} ({exc})")
        number = None
    if number is not None:
        return f"{REGISTERED_MODEL}@{CHAMPION} (version {number})"
    if settings.model_source not in ("file", "auto"):
        return None
    try:
        _, manifest = read_artifact(settings.model_path)
    except ModelNotFoundError:
        return None
    except TriageError as exc:
        echo_err(f"the model at {settings.model_path} is not usable ({exc})")
        return None
    return f"model {manifest.model_version} from the file {settings.model_path}"


def nothing_served() -> bool:
    """True when neither the service nor the commands have a model to use yet."""
    return served_description(get_settings()) is None


def pickup_note(settings: Settings) -> str:
    """How a running service picks up an alias move."""
    if settings.model_source == "file":
        return (
            "The service serves a file (TRIAGE_MODEL_SOURCE=file), not @champion: set "
            "TRIAGE_MODEL_SOURCE=auto to serve the champion."
        )
    now = "POST /v1/model/reload (admin) applies it at once"
    if settings.model_poll_seconds <= 0:
        return f"A running service does not poll the alias (TRIAGE_MODEL_POLL_SECONDS=0): {now}."
    return (
        "A running service picks this up within TRIAGE_MODEL_POLL_SECONDS "
        f"({settings.model_poll_seconds:g} s); {now}."
    )


def safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
