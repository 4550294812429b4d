"""Audit sampling and the auto-apply switches: auto-apply that keeps its promise.

- **Audit sample.** Of the items the decision policy would auto-apply, a share
  (`TRIAGE_AUDIT_SHARE`, 5 %) drawn at random, item by item as they arrive, waits for a human
  instead: status `needs_review`, `audit` true, reason `audit_sample`; the recorded decision
  stays the policy's (`auto_applied`). The sample is uniform over arrivals, so reviewers'
  verdicts on it estimate the precision of the labels that are auto-applied.
- **Live precision.** Per model version, head and class the model proposed (the category,
  and the severity that would have been applied), over the audited items a human reviewed
  (latest review per item): `correct / reviewed`, with the exact (Clopper-Pearson) two-sided
  95 % interval and the one-sided 95 % lower and upper bounds.
- **Switch-off.** After each review of an audited item of the model version being served,
  each class of that item with at least `TRIAGE_AUDIT_MIN_REVIEWS` reviewed audits whose bound
  (`TRIAGE_AUDIT_SWITCH_OFF_BOUND`: the lower one by default) is below the model's target
  precision is switched off: a row in `auto_apply_switches` and an `auto_apply_switched_off`
  event on the item. An item whose proposed category or severity is switched off waits for a
  human with the reason `auto_apply_off:<head>:<label>`. Switches belong to one model
  version: a newly served version starts with every class on. Admins switch a class back on
  (or off) with `POST /v1/model/auto-apply`, recorded in the same table with who and why.

scipy is imported only when figures are computed (never at start-up or to classify).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.settings import Settings
from model.engine import Triager, TriageResult
from model.labels import HEAD_LABELS, HEADS, Decision
from model.policy import DEFAULT_TARGET_PRECISION
from service.enums import ActorType, EventKind
from service.errors import ConflictError
from service.observability.context import stamped
from service.serving.schemas import (
    AuditClass,
    AuditSection,
    AutoApplyChange,
    AutoApplyIn,
    AutoApplyState,
    Head,
)
from service.tables import AutoApplySwitch, Event, Item, Prediction, Review

AUDIT_REASON = "audit_sample"
AUTO_APPLY_OFF = "auto_apply_off"  # auto_apply_off:<head>:<label>; both worded in service/ui
CONFIDENCE = 0.95  # of the two-sided interval, and of each one-sided bound
UPPER_RULE_MIN_REVIEWS = 20
HISTORY_LIMIT = 50

DEFINITION = (
    "Audit samples: a random share of the items the policy would auto-apply, sent to reviewers "
    "instead. Per head and proposed class, over the audited items of the model version being "
    "served that a human reviewed (latest review per item, whatever the date range): "
    "precision = correct / reviewed, where correct means the reviewer kept the proposed label; "
    "ci_low/ci_high: exact (Clopper-Pearson) two-sided 95 % interval; lower_bound/upper_bound: "
    "one-sided 95 % exact bounds. A class is switched off when it has at least min_reviews "
    "reviewed audits and its switch-off bound is below the target precision."
)


def off_reason(head: str, label: str) -> str:
    return f"{AUTO_APPLY_OFF}:{head}:{label}"


# ---- the gate on new items ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hold:
    """What the gate adds to one new item: whether it is an audit sample, and the reasons it
    waits for a human although the policy would auto-apply it (none: it is auto-applied)."""

    audit: bool = False
    reasons: tuple[str, ...] = ()

    @property
    def held(self) -> bool:
        return bool(self.reasons)


NO_HOLD = Hold()


def _classes(result: TriageResult) -> list[tuple[str, str]]:
    """The (head, label) pairs the policy would auto-apply for this result."""
    pairs = []
    if result.category is not None:
        pairs.append(("category", result.category.value))
    if result.severity is not None:
        pairs.append(("severity", result.severity.value))
    return pairs


class AutoApplyGate:
    """Draws the audit sample and holds back classes that are switched off.

    The draw is one uniform number per would-be auto-applied item, from the operating
    system's randomness or, with a seed (tests), from a seeded generator of this process.
    """

    def __init__(self, share: float, seed: int | None = None) -> None:
        self.share = share
        self._random: random.Random = (
            random.Random(seed) if seed is not None else random.SystemRandom()
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> AutoApplyGate:
        return cls(settings.audit_share, settings.audit_seed)

    def draw(self) -> bool:
        """Whether the next would-be auto-applied item is an audit sample."""
        return self._random.random() < self.share

    def holds(self, session: Session, results: Sequence[TriageResult]) -> list[Hold]:
        """One `Hold` per result; the switches are read only when some result would be
        auto-applied."""
        holds = [NO_HOLD] * len(results)
        off: dict[str | None, set[tuple[str, str]]] = {}
        for index, result in enumerate(results):
            if result.decision is not Decision.AUTO_APPLIED:
                continue
            version = result.model_version
            if version not in off:
                off[version] = switched_off(session, version) if version else set()
            audit = self.draw()
            reasons = [AUDIT_REASON] if audit else []
            reasons += [
                off_reason(head, label)
                for head, label in _classes(result)
                if (head, label) in off[version]
            ]
            if reasons:
                holds[index] = Hold(audit=audit, reasons=tuple(reasons))
        return holds


# ---- switches -------------------------------------------------------------------------------


def _latest_switches(
    session: Session, model_version: str
) -> dict[tuple[str, str], AutoApplySwitch]:
    rows = session.scalars(
        select(AutoApplySwitch)
        .where(AutoApplySwitch.model_version == model_version)
        .order_by(AutoApplySwitch.id)
    )
    return {(row.head, row.label): row for row in rows}


def switched_off(session: Session, model_version: str) -> set[tuple[str, str]]:
    """The (head, label) classes this model version may not auto-apply now."""
    return {key for key, row in _latest_switches(session, model_version).items() if not row.enabled}


def _switch(
    session: Session,
    *,
    model_version: str,
    head: str,
    label: str,
    enabled: bool,
    actor_type: str,
    actor: str,
    reason: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    item_id: int | None = None,
) -> AutoApplySwitch:
    row = AutoApplySwitch(
        model_version=model_version,
        head=head,
        label=label,
        enabled=enabled,
        changed_at=now,
        actor_type=actor_type,
        changed_by=actor,
        reason=reason,
        data=data or {},
        item_id=item_id,
    )
    session.add(row)
    session.flush()
    return row


# ---- figures --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bounds:
    ci_low: float
    ci_high: float
    lower: float
    upper: float


def exact_bounds(correct: int, reviewed: int) -> Bounds | None:
    """Clopper-Pearson bounds of a proportion (scipy's exact binomial interval): the two-sided
    95 % interval, and the one-sided 95 % bounds (the ends of the two-sided 90 % one)."""
    if reviewed == 0:
        return None
    from scipy.stats import binomtest

    test = binomtest(correct, reviewed)
    two = test.proportion_ci(confidence_level=CONFIDENCE, method="exact")
    one = test.proportion_ci(confidence_level=2 * CONFIDENCE - 1, method="exact")
    return Bounds(float(two.low), float(two.high), float(one.low), float(one.high))


@dataclass(slots=True)
class _Counts:
    audited: int = 0
    reviewed: int = 0
    correct: int = 0


def _counts(session: Session, model_version: str) -> dict[tuple[str, str], _Counts]:
    """Per (head, proposed label): audited items of this model version, how many a human
    reviewed (latest review) and how many of those kept the proposed label."""
    audited = select(Item.id).where(Item.audit.is_(True), Item.model_version == model_version)
    first_prediction = (
        select(Prediction.item_id, func.min(Prediction.id).label("id"))
        .where(Prediction.item_id.in_(audited))
        .group_by(Prediction.item_id)
        .subquery()
    )
    latest_review = (
        select(Review.item_id, func.max(Review.id).label("id"))
        .where(Review.item_id.in_(audited))
        .group_by(Review.item_id)
        .subquery()
    )
    rows = session.execute(
        select(Prediction.category, Prediction.severity, Review.category, Review.severity)
        .select_from(first_prediction)
        .join(Prediction, Prediction.id == first_prediction.c.id)
        .outerjoin(latest_review, latest_review.c.item_id == first_prediction.c.item_id)
        .outerjoin(Review, Review.id == latest_review.c.id)
    )
    counts: dict[tuple[str, str], _Counts] = defaultdict(_Counts)
    for proposed_category, proposed_severity, category, severity in rows:
        for head, proposed, decided in (
            ("category", proposed_category, category),
            ("severity", proposed_severity, severity),
        ):
            if proposed is None:
                continue
            entry = counts[head, proposed]
            entry.audited += 1
            if decided is not None:
                entry.reviewed += 1
                entry.correct += decided == proposed
    return counts


def target_precision(triager: Triager) -> float:
    """The precision the served model's thresholds were derived for."""
    if triager.thresholds is not None:
        return float(triager.thresholds.target_precision)
    if triager.manifest is not None:
        value = triager.manifest.thresholds.get("target_precision")
        if value is not None:
            return float(value)
    return DEFAULT_TARGET_PRECISION


def min_reviews_for(settings: Settings, target: float | None) -> int:
    """Reviewed audits a class needs before they may switch it off (`TRIAGE_AUDIT_MIN_REVIEWS`).

    Unset, under the lower-bound rule: as many as an all-correct record needs for its bound to
    reach the target (59 at 0.95, since 0.05 ** (1 / 59) >= 0.95). With fewer, the bound is
    below the target for want of evidence, not because of mistakes, and every class would go
    off; until then a class keeps the evidence it was switched on with, its calibration rows.
    """
    if settings.audit_min_reviews is not None:
        return settings.audit_min_reviews
    if settings.audit_switch_off_bound != "lower" or target is None or not 0 < target < 1:
        return UPPER_RULE_MIN_REVIEWS
    return math.ceil(math.log(1 - CONFIDENCE) / math.log(target) - 1e-9)


def _fails(row: AuditClass, *, target: float, min_reviews: int, bound: str) -> bool:
    """Whether a class's audits say its auto-applied labels miss the target."""
    if row.reviewed < min_reviews:
        return False
    value = row.lower_bound if bound == "lower" else row.upper_bound
    return value is not None and value < target


def audit_section(session: Session, *, triager: Triager, settings: Settings) -> AuditSection:
    """The live precision of auto-applied labels per class for the served model version."""
    version = triager.model_version
    target = target_precision(triager) if version else None
    section = AuditSection(
        definition=DEFINITION,
        model_version=version,
        share=settings.audit_share,
        target=target,
        min_reviews=min_reviews_for(settings, target),
        switch_off_bound=settings.audit_switch_off_bound,
        confidence=CONFIDENCE,
        classes=[],
    )
    if version is None:
        return section
    counts = _counts(session, version)
    switches = _latest_switches(session, version)
    for head in HEADS:
        for label in HEAD_LABELS[head]:
            count = counts.get((head, label), _Counts())
            bounds = exact_bounds(count.correct, count.reviewed)
            switch = switches.get((head, label))
            section.classes.append(
                AuditClass(
                    head=Head(head),
                    label=label,
                    audited=count.audited,
                    reviewed=count.reviewed,
                    correct=count.correct,
                    precision=count.correct / count.reviewed if count.reviewed else None,
                    ci_low=bounds.ci_low if bounds else None,
                    ci_high=bounds.ci_high if bounds else None,
                    lower_bound=bounds.lower if bounds else None,
                    upper_bound=bounds.upper if bounds else None,
                    target=target,
                    enabled=switch is None or switch.enabled,
                    changed_at=switch.changed_at if switch else None,
                    changed_by=switch.changed_by if switch else None,
                    change_reason=switch.reason if switch else None,
                )
            )
    return section


def after_review(
    session: Session,
    *,
    item: Item,
    triager: Triager,
    settings: Settings,
    now: datetime | None = None,
) -> list[AutoApplySwitch]:
    """After a review of `item`: when it is an audit sample of the served model version,
    switch off each of its classes whose audits now miss the target (a switch row and an
    `auto_apply_switched_off` event on the item). Returns the switches made."""
    version = triager.model_version
    if not item.audit or version is None or item.model_version != version:
        return []
    now = now or datetime.now(UTC)
    session.flush()  # the review just made counts
    prediction = item.predictions[0] if item.predictions else None
    if prediction is None:
        return []
    mine = {("category", prediction.category), ("severity", prediction.severity)}
    section = audit_section(session, triager=triager, settings=settings)
    made = []
    for row in section.classes:
        if (row.head, row.label) not in mine or not row.enabled or section.target is None:
            continue
        if not _fails(
            row,
            target=section.target,
            min_reviews=section.min_reviews,
            bound=settings.audit_switch_off_bound,
        ):
            continue
        bound = row.lower_bound if settings.audit_switch_off_bound == "lower" else row.upper_bound
        figures = {
            "reviewed": row.reviewed,
            "correct": row.correct,
            "precision": row.precision,
            "lower_bound": row.lower_bound,
            "upper_bound": row.upper_bound,
            "target": section.target,
            "switch_off_bound": settings.audit_switch_off_bound,
        }
        reason = (
            f"audited precision of {row.head} '{row.label}': {row.correct} of {row.reviewed} "
            f"correct, one-sided 95 % {settings.audit_switch_off_bound} bound {bound:.3f} "
            f"< target {section.target:.3f}"
        )
        switch = _switch(
            session,
            model_version=version,
            head=row.head,
            label=row.label,
            enabled=False,
            actor_type=ActorType.SYSTEM.value,
            actor="system",
            reason=reason,
            now=now,
            data=figures,
            item_id=item.id,
        )
        session.add(
            Event(
                item_id=item.id,
                created_at=now,
                kind=EventKind.AUTO_APPLY_SWITCHED_OFF.value,
                actor_type=ActorType.SYSTEM.value,
                actor="system",
                from_status=item.status,
                to_status=item.status,
                data=stamped(
                    {
                        "model_version": version,
                        "head": row.head,
                        "label": row.label,
                        "reason": reason,
                        **figures,
                    }
                ),
            )
        )
        made.append(switch)
    session.flush()
    return made


# ---- the model's auto-apply state and the admin switch ---------------------------------------


def _change(row: AutoApplySwitch) -> AutoApplyChange:
    return AutoApplyChange(
        id=row.id,
        model_version=row.model_version,
        head=Head(row.head),
        label=row.label,
        enabled=row.enabled,
        changed_at=row.changed_at,
        actor_type=ActorType(row.actor_type),
        changed_by=row.changed_by,
        reason=row.reason,
        item_id=row.item_id,
        data=row.data,
    )


def auto_apply_state(session: Session, *, triager: Triager, settings: Settings) -> AutoApplyState:
    """What `/v1/model` shows admins: switched-off classes, live audit precision, history."""
    section = audit_section(session, triager=triager, settings=settings)
    history: list[AutoApplyChange] = []
    if section.model_version is not None:
        rows = session.scalars(
            select(AutoApplySwitch)
            .where(AutoApplySwitch.model_version == section.model_version)
            .order_by(AutoApplySwitch.id.desc())
            .limit(HISTORY_LIMIT)
        )
        history = [_change(row) for row in rows]
    return AutoApplyState(
        model_version=section.model_version,
        switched_off=[f"{c.head}:{c.label}" for c in section.classes if not c.enabled],
        audit=section,
        history=history,
    )


def set_auto_apply(
    session: Session,
    *,
    triager: Triager,
    body: AutoApplyIn,
    actor_type: str,
    actor: str,
    now: datetime | None = None,
) -> AutoApplyChange:
    """An admin switches a class of the served model version on or off (recorded with who)."""
    version = triager.model_version
    if version is None:
        raise ConflictError("no model is loaded: nothing is auto-applied, nothing to switch")
    row = _switch(
        session,
        model_version=version,
        head=body.head.value,
        label=body.label,
        enabled=body.enabled,
        actor_type=actor_type,
        actor=actor,
        reason=body.reason or ("switched on" if body.enabled else "switched off"),
        now=now or datetime.now(UTC),
    )
    return _change(row)
