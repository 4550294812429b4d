"""The model registry: versions, the `@champion` alias, gated promotion, rollback, history.

Every alias move is written twice: as tags on the version it lands on (who, when, why,
forced or not, failed figures) and as an entry in the registered model's history (tags
`history.000001`, ...), which `triage models history` lists and `triage rollback` reads.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import PromotionRefusedError, RegistryError
from model.artifact import load_triager
from model.engine import Triager
from model.rules import RedFlagRules
from training.bootstrap import BootstrapConfig, RowScores
from training.calibration_sets import CalibrationSet
from training.evaluate import evaluate, score
from training.gates import GateReport, check_gates
from training.model_store import CHALLENGER, CHAMPION, REGISTERED_MODEL, download_version
from training.reports import EvaluationReport
from training.tracking import flatten_metrics

if TYPE_CHECKING:
    from mlflow.entities.model_registry import ModelVersion
    from mlflow.tracking import MlflowClient

_HISTORY_PREFIX = "history."


def actor_name(configured: str | None = None) -> str:
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# ---- versions and aliases -------------------------------------------------------------------


def all_versions(client: MlflowClient) -> list[ModelVersion]:
    """Every version of the registered model, newest first (empty before the first train)."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(REGISTERED_MODEL)
    except MlflowException:
        return []
    versions = client.search_model_versions(f"name='{REGISTERED_MODEL}'")
    return sorted(versions, key=lambda v: int(v.version), reverse=True)


def get_version(client: MlflowClient, version: str) -> ModelVersion:
    from mlflow.exceptions import MlflowException

    number = version.removeprefix("v")
    if not number.isdigit():
        raise RegistryError(f"{version!r} is not a version number")
    try:
        return client.get_model_version(REGISTERED_MODEL, number)
    except MlflowException as exc:
        raise RegistryError(f"{REGISTERED_MODEL} has no version {number}") from exc


def run_id_of(version: ModelVersion) -> str:
    """The run that logged a version; every version `triage train` registers has one."""
    if version.run_id is None:
        raise RegistryError(f"{REGISTERED_MODEL} version {version.version} has no training run")
    return str(version.run_id)


def alias_version(client: MlflowClient, alias: str) -> ModelVersion | None:
    """The version an alias points at, or None when the alias is not set."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(REGISTERED_MODEL, alias)
    except MlflowException:
        return None


def aliases_by_version(client: MlflowClient) -> dict[str, list[str]]:
    try:
        model = client.get_registered_model(REGISTERED_MODEL)
    except Exception:
        return {}
    result: dict[str, list[str]] = {}
    for alias, version in (model.aliases or {}).items():
        result.setdefault(str(version), []).append(alias)
    return result


def load_version(
    client: MlflowClient, version: str, cache_dir: Path, rules: RedFlagRules | None = None
) -> Triager:
    """Version `version` of the store `client` talks to, from the download cache."""
    return load_triager(download_version(client.tracking_uri, version, cache_dir), rules=rules)


# ---- history --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    seq: int
    at: str
    action: str  # promote, force_promote, first_champion, rollback, challenger
    alias: str
    version: str
    previous: str | None
    actor: str
    reason: str | None = None
    failed: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def history(client: MlflowClient) -> list[HistoryEntry]:
    try:
        tags = client.get_registered_model(REGISTERED_MODEL).tags
    except Exception:
        return []
    entries = [
        HistoryEntry(**json.loads(value))
        for key, value in tags.items()
        if key.startswith(_HISTORY_PREFIX)
    ]
    return sorted(entries, key=lambda e: e.seq)


def _record_move(
    client: MlflowClient,
    *,
    action: str,
    alias: str,
    version: str,
    previous: str | None,
    actor: str,
    reason: str | None = None,
    failed: Sequence[str] = (),
) -> HistoryEntry:
    """Move `alias` to `version` and write the move to the history and the version's tags."""
    past = history(client)
    entry = HistoryEntry(
        seq=(past[-1].seq + 1) if past else 1,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        action=action,
        alias=alias,
        version=str(version),
        previous=previous,
        actor=actor,
        reason=reason,
        failed=list(failed),
    )
    client.set_registered_model_alias(REGISTERED_MODEL, alias, str(version))
    client.set_registered_model_tag(
        REGISTERED_MODEL, f"{_HISTORY_PREFIX}{entry.seq:06d}", entry.to_json()
    )
    tags = {
        f"{alias}.at": entry.at,
        f"{alias}.by": actor,
        f"{alias}.action": action,
        f"{alias}.reason": reason or "",
        f"{alias}.forced": str(action == "force_promote").lower(),
        f"{alias}.failed_gates": "; ".join(failed),
    }
    for key, value in tags.items():
        client.set_model_version_tag(REGISTERED_MODEL, str(version), key, value)
    return entry


def champion_chain(entries: Sequence[HistoryEntry]) -> list[str]:
    """The champions in order, with rolled-back ones removed: the last is the current one."""
    chain: list[str] = []
    for entry in entries:
        if entry.alias != CHAMPION:
            continue
        if entry.action == "rollback":
            if chain:
                chain.pop()
        else:
            chain.append(entry.version)
    return chain


# ---- gates ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetEvaluation:
    """A version measured on one calibration set: the report and what it said per row."""

    report: EvaluationReport
    rows: RowScores


def evaluate_on_sets(triager: Triager, sets: Sequence[CalibrationSet]) -> dict[str, SetEvaluation]:
    """Score each set once; the report and the per-row scores come from the same output."""
    measured = {}
    for cal in sets:
        scored = score(triager, cal.dataset)
        measured[cal.record.name] = SetEvaluation(
            evaluate(triager, cal.dataset, scored), RowScores.from_scored(cal.dataset, scored)
        )
    return measured


def backfill_run_metrics(
    client: MlflowClient, version: ModelVersion, reports: Mapping[str, EvaluationReport]
) -> list[str]:
    """Log figures on sets registered after a version's run, so comparisons have no gaps."""
    from mlflow.entities import Metric

    if not version.run_id:
        return []
    logged = client.get_run(version.run_id).data.metrics
    filled = []
    for set_name, report in reports.items():
        if f"{set_name}/model/category/macro_f1" in logged:
            continue
        stamp = int(datetime.now(UTC).timestamp() * 1000)
        metrics = [
            Metric(key, value, stamp, 0) for key, value in flatten_metrics(report, set_name).items()
        ]
        client.log_batch(version.run_id, metrics=metrics)
        filled.append(set_name)
    return filled


@dataclass(frozen=True, slots=True)
class PromotionOutcome:
    version: str
    previous: str | None
    promoted: bool
    gates: GateReport
    entry: HistoryEntry | None


def promote(
    client: MlflowClient,
    *,
    version: str | None,
    sets: Sequence[CalibrationSet],
    cache_dir: Path,
    f1_margin: float,
    max_ece: float,
    ece_min_rows: int,
    actor: str,
    force: bool = False,
    reason: str | None = None,
    bootstrap: BootstrapConfig | None = None,
) -> PromotionOutcome:
    """Move `@champion` to `version` (default: the newest) if it passes the gates.

    Both models are evaluated now, on the same registered calibration sets, so every gate
    compares them row for row (`training.gates`: paired bootstrap intervals). A failed gate
    raises `PromotionRefusedError` unless `force` (which needs a `reason`, recorded with the
    failed figures).
    """
    if force and not (reason and reason.strip()):
        raise RegistryError("--force needs --reason TEXT saying why the gates are overridden")
    versions = all_versions(client)
    if not versions:
        raise RegistryError("no model versions yet: run `triage train` first")
    candidate = get_version(client, version) if version else versions[0]
    number = str(candidate.version)
    current = alias_version(client, CHAMPION)
    if current is not None and str(current.version) == number:
        raise RegistryError(f"version {number} is already the champion")
    rules = RedFlagRules()
    ours = evaluate_on_sets(load_version(client, number, cache_dir, rules), sets)
    theirs = (
        evaluate_on_sets(load_version(client, str(current.version), cache_dir, rules), sets)
        if current is not None
        else None
    )
    backfill_run_metrics(client, candidate, {k: v.report for k, v in ours.items()})
    if current is not None and theirs is not None:
        backfill_run_metrics(client, current, {k: v.report for k, v in theirs.items()})
    # The ECE bound holds on the set the candidate's probabilities were calibrated on.
    fit_set = client.get_run(run_id_of(candidate)).data.params.get("fit_calibration_set")
    gates = check_gates(
        {k: v.rows for k, v in ours.items()},
        {k: v.rows for k, v in theirs.items()} if theirs is not None else None,
        f1_margin=f1_margin,
        max_ece=max_ece,
        ece_min_rows=ece_min_rows,
        ece_sets={fit_set} if fit_set else None,
        config=bootstrap,
    )
    previous = str(current.version) if current is not None else None
    if not gates.passed and not force:
        return PromotionOutcome(number, previous, False, gates, None)
    if current is None:
        action = "first_champion" if gates.passed else "force_promote"
    else:
        action = "promote" if gates.passed else "force_promote"
    entry = _record_move(
        client,
        action=action,
        alias=CHAMPION,
        version=number,
        previous=previous,
        actor=actor,
        reason=reason,
        failed=gates.failures,
    )
    return PromotionOutcome(number, previous, True, gates, entry)


def require_promoted(outcome: PromotionOutcome) -> PromotionOutcome:
    if not outcome.promoted:
        raise PromotionRefusedError(outcome.version, outcome.gates.failures)
    return outcome


def rollback(client: MlflowClient, *, actor: str, reason: str | None = None) -> HistoryEntry:
    """Move `@champion` back to the champion before the current one, in one step."""
    chain = champion_chain(history(client))
    current = alias_version(client, CHAMPION)
    if current is None:
        raise RegistryError("there is no champion to roll back")
    if len(chain) < 2 or chain[-1] != str(current.version):
        raise RegistryError(
            f"version {current.version} is the champion but there is no earlier champion "
            "to return to"
        )
    return _record_move(
        client,
        action="rollback",
        alias=CHAMPION,
        version=chain[-2],
        previous=chain[-1],
        actor=actor,
        reason=reason,
    )


def set_challenger(client: MlflowClient, version: str, *, actor: str, reason: str) -> HistoryEntry:
    current = alias_version(client, CHALLENGER)
    return _record_move(
        client,
        action="challenger",
        alias=CHALLENGER,
        version=version,
        previous=str(current.version) if current is not None else None,
        actor=actor,
        reason=reason,
    )
