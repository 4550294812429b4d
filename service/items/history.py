"""`triage import-history`: load the rows `triage backfill --with-input` wrote into the
database as historical items.

A historical item is stored `resolved` (closed when it was received) with `historical` set:
it counts in the metrics (by its `received_at`, the author's `created_at` when given) and
joins themes through the pattern worker, but it is never in the review queue (not waiting),
never escalated (not unacknowledged), never notified about (no webhook is written) and never
fed to the burst detector. It is not in the time-to-resolution figures either.

Idempotent by `(source, external_id)`, the service's own duplicate key: the input's
`external_id`, else its `id`; a row with neither is keyed by the SHA-256 of its source and
text, so importing the same output twice adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInputError
from model.records import parse_account_tier, parse_source
from service.actors import Actor
from service.clock import utcnow
from service.enums import ActorType, EventKind, ItemStatus
from service.items.intake import route_for
from service.routing.policy import RoutingPolicy
from service.tables import Event, Item, Prediction

HISTORY_ACTOR = Actor(ActorType.SYSTEM, "import-history")
BATCH = 500


@dataclass
class Imported:
    rows: int = 0
    added: int = 0
    present: int = 0  # already in the database (a second import)
    skipped: int = 0  # rows with an error: nothing to import


def history_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a backfill output: a folder of Parquet or JSON part files, or one file."""
    files = sorted(path.glob("part-*")) if path.is_dir() else [path]
    files = [f for f in files if f.suffix in {".parquet", ".json", ".jsonl"}]
    if not files:
        raise InvalidInputError(f"{path}: no Parquet or JSON Lines backfill output found")
    for file in files:
        if file.suffix == ".parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(file).iter_batches(batch_size=BATCH):
                yield from batch.to_pylist()
        else:
            with file.open(encoding="utf-8") as lines:
                yield from (json.loads(line) for line in lines if line.strip())


def _as_dict(value: Any) -> Any:
    """Parquet gives a map as a list of (key, value) pairs: back to a dict, inside too."""
    if isinstance(value, list) and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return {k: _as_dict(v) for k, v in value}
    if isinstance(value, dict):
        return {k: _as_dict(v) for k, v in value.items()}
    return value


def _instant(value: Any, row: Any) -> datetime | None:
    """An ISO 8601 instant in UTC (none means UTC, as in the API); a bad one stops the import."""
    if value in (None, ""):
        return None
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError(
            f"row {row}: created_at {value!r} is not an ISO 8601 instant; nothing was imported"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def history_key(row: Mapping[str, Any]) -> tuple[str | None, str | None, str]:
    """(source, external_id, dedupe key) of a row, as the service keys a posted item."""
    source = parse_source(row.get("source"))
    if source is not None and len(source) > 64:
        raise InvalidInputError(f"row {row.get('row')}: source is over 64 characters")
    external = row.get("external_id") or row.get("id")
    external_id = str(external).strip() if external not in (None, "") else None
    if external_id:
        return source, external_id, f"{source or ''}\x1f{external_id}"
    digest = hashlib.sha256(f"{source or ''}\x1f{row['text']}".encode()).hexdigest()
    return source, None, f"{source or ''}\x1f#sha256:{digest}"


def import_history(
    session: Session,
    rows: Iterable[Mapping[str, Any]],
    *,
    policy: RoutingPolicy,
    origin: str,
    now: datetime | None = None,
) -> Imported:
    """Add the rows not stored yet as historical items; the caller commits."""
    now = now or utcnow()
    counts = Imported()
    batch: list[Mapping[str, Any]] = []
    for row in rows:
        counts.rows += 1
        if row.get("error") or not row.get("text"):
            counts.skipped += 1
            continue
        batch.append(row)
        if len(batch) >= BATCH:
            _add(session, batch, policy=policy, origin=origin, now=now, counts=counts)
    _add(session, batch, policy=policy, origin=origin, now=now, counts=counts)
    return counts


def _add(
    session: Session,
    batch: list[Mapping[str, Any]],
    *,
    policy: RoutingPolicy,
    origin: str,
    now: datetime,
    counts: Imported,
) -> None:
    keyed = {history_key(row)[2]: row for row in batch}  # a key twice in a batch: once
    stored = set(session.scalars(select(Item.dedupe_key).where(Item.dedupe_key.in_(keyed))))
    counts.present += len(batch) - len(keyed) + len(stored)
    for key, row in keyed.items():
        if key not in stored:
            session.add(_item(session, row, key, policy=policy, origin=origin, now=now))
            counts.added += 1
    session.flush()
    batch.clear()


def _item(
    session: Session,
    row: Mapping[str, Any],
    key: str,
    *,
    policy: RoutingPolicy,
    origin: str,
    now: datetime,
) -> Item:
    source, external_id, _ = history_key(row)
    tier = parse_account_tier(row.get("account_tier"))
    created = _instant(row.get("created_at"), row.get("row"))
    received = created or now
    flags = sorted({hit["family"] for hit in row.get("red_flags") or []})
    routing = route_for(
        session,
        policy=policy,
        category=row.get("category"),
        severity=row.get("severity"),
        account_id=row.get("account_id"),
        account_tier=tier.value if tier else None,
        flags=flags,
        now=received,
    )
    confidences = [c for c in (row["category_confidence"], row["severity_confidence"]) if c]
    rating = row.get("rating")
    item = Item(
        dedupe_key=key,
        source=source,
        external_id=external_id,
        text=row["text"],
        rating=int(float(rating)) if rating not in (None, "") else None,
        account_id=row.get("account_id"),
        account_tier=tier.value if tier else None,
        author=row.get("author"),
        language=row.get("language"),
        created_at=created,
        received_at=received,
        status=ItemStatus.RESOLVED.value,
        category=row.get("category"),
        severity=row.get("severity"),
        flags=flags,
        reviewer_flags=[],
        decision=row["decision"],
        reasons=list(row.get("reasons") or []),
        category_confidence=row["category_confidence"],
        severity_confidence=row["severity_confidence"],
        confidence=min(confidences) if confidences else 0.0,
        reviewed=False,
        audit=False,
        historical=True,
        owner=routing.owner.value,
        response_rule=routing.response_rule.value,
        routing_rule=routing.rule,
        policy_version=routing.policy_version,
        due_at=received,
        escalation_level=0,
        closed_at=received,
        model_version=row.get("model_version"),
        rules_version=row["rules_version"],
        version=1,
    )
    item.predictions.append(
        Prediction(
            created_at=now,
            model_version=row.get("model_version"),
            rules_version=row["rules_version"],
            category=row.get("category"),
            severity=row.get("severity"),
            model_severity=None,  # the backfill output does not carry it
            category_confidence=row["category_confidence"],
            severity_confidence=row["severity_confidence"],
            probabilities=_as_dict(row.get("probabilities")),
            red_flags=[dict(hit) for hit in row.get("red_flags") or []],
            decision=row["decision"],
            reasons=list(row.get("reasons") or []),
        )
    )
    item.events.append(
        Event(
            created_at=now,
            kind=EventKind.CLASSIFIED.value,
            actor_type=HISTORY_ACTOR.type.value,
            actor=HISTORY_ACTOR.name,
            from_status=ItemStatus.NEW.value,
            to_status=ItemStatus.RESOLVED.value,
            data={"historical": True, "imported_from": origin, "row": row.get("row")},
        )
    )
    return item
