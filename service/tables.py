"""Database tables (SQLAlchemy 2). Predictions, human reviews and workflow events are append-only:
an item's current state lives on `items`; how it got there lives in the other tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from service.clock import as_utc


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, stored and read back in UTC on every backend.

    SQLite keeps no offset: `10:00+02:00` was stored as `10:00` and read back as 10:00 UTC,
    two hours off, while PostgreSQL converted it. Every value bound (inserts and query
    parameters alike) is converted to UTC first, and every value read back is UTC-aware, so
    no caller normalises times by hand.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        # SQLite's DATETIME text has no offset field; every stored value is UTC.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
    }


class Item(Base):
    """One piece of feedback and its current workflow state."""

    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_status_due", "status", "due_at"),
        Index("ix_items_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "<source>\x1f<external_id>" when an external id was given: re-posts find the same row.
    dedupe_key: Mapped[str | None] = mapped_column(String(600), unique=True)
    source: Mapped[str | None] = mapped_column(String(64), index=True)
    external_id: Mapped[str | None] = mapped_column(String(512))
    text: Mapped[str] = mapped_column(Text)
    rating: Mapped[int | None]
    account_id: Mapped[str | None] = mapped_column(String(256), index=True)
    account_tier: Mapped[str | None] = mapped_column(String(32))
    author: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime | None]  # when the author posted it, if known
    received_at: Mapped[datetime]

    status: Mapped[str] = mapped_column(String(32), index=True)
    category: Mapped[str | None] = mapped_column(String(32), index=True)
    severity: Mapped[str | None] = mapped_column(String(16), index=True)
    # The red-flag families in force: the rules' hits, with the reviewer's flags once reviewed
    # (only while red). Routing and the queue read this.
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The reviewer's own flags: [{"family", "note", "set_by", "set_at"}] (service/items/review.py).
    reviewer_flags: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    decision: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    category_confidence: Mapped[float | None]
    severity_confidence: Mapped[float | None]
    # Lower confidence of the two heads (0 without a model): the queue's last sort key.
    confidence: Mapped[float] = mapped_column(default=0.0)
    reviewed: Mapped[bool] = mapped_column(default=False)
    # An audit sample: the policy would have auto-applied it; it waits for a human instead,
    # and the verdict measures the live precision of auto-applied labels (service/serving/audit.py).
    audit: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Loaded by `triage import-history` (service/items/history.py): counted in metrics and
    # themes, never queued, escalated, notified about or fed to the burst detector.
    historical: Mapped[bool] = mapped_column(default=False, server_default=false())
    owner: Mapped[str] = mapped_column(String(32), index=True)
    response_rule: Mapped[str] = mapped_column(String(64))
    routing_rule: Mapped[str] = mapped_column(String(128))
    policy_version: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    model_version: Mapped[str | None] = mapped_column(String(128))
    rules_version: Mapped[str] = mapped_column(String(64))
    # Patterns (issue 18): the item's theme and incident, set off the request path by the
    # pattern worker (service/patterns/); `analysed_at` is null until it has seen the item.
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    analysed_at: Mapped[datetime | None] = mapped_column(index=True)
    # A reviewer's claim (lease) on the item, so two reviewers do not work it at once
    # (service/items/claims.py). Written by one conditional UPDATE that leaves `version` alone:
    # claiming is no change to the item a reviewer's `version` names. Past
    # `claim_expires_at` the claim is free, whatever these columns still hold.
    claim_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None]
    claim_expires_at: Mapped[datetime | None]
    # How a resolved item was closed (issue 19; migration 0009): its root cause from the policy's
    # taxonomy, what was done and changed, and the post-escalation review of a red item
    # ({"what_happened", "what_failed", "prevent_recurrence"}). Also in the `resolved` event.
    root_cause: Mapped[str | None] = mapped_column(String(64))
    action_taken: Mapped[str | None] = mapped_column(Text)
    internal_change: Mapped[str | None] = mapped_column(Text)
    resolution_review: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Optimistic concurrency, enforced by the database: every ORM update of an item is
    # `UPDATE ... WHERE id = :id AND version = :read` and sets version + 1 (`version_id_col`
    # below), so of two writers that read one version exactly one wins; the other's update
    # matches no row (StaleDataError), which the service answers with 409.
    version: Mapped[int] = mapped_column(Integer, default=1)

    predictions: Mapped[list[Prediction]] = relationship(
        back_populates="item", order_by="Prediction.id"
    )
    reviews: Mapped[list[Review]] = relationship(back_populates="item", order_by="Review.id")
    events: Mapped[list[Event]] = relationship(back_populates="item", order_by="Event.id")
    # Every item answer carries its theme's label: loaded for a whole list in one more query
    # ("joined" would put an outer join under the `FOR UPDATE` of a state change).
    theme: Mapped[Theme | None] = relationship(lazy="selectin")

    # Not ClassVar: SQLAlchemy declares `__mapper_args__` an instance variable (mypy refuses
    # the override), and the mapper reads it once.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Prediction(Base):
    """What the model and the rules proposed for an item (append-only)."""

    __tablename__ = "predictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    created_at: Mapped[datetime]
    model_version: Mapped[str | None] = mapped_column(String(128))
    rules_version: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(16))
    model_severity: Mapped[str | None] = mapped_column(String(16))
    category_confidence: Mapped[float | None]
    severity_confidence: Mapped[float | None]
    probabilities: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    red_flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decision: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)

    item: Mapped[Item] = relationship(back_populates="predictions")


class Review(Base):
    """A human's confirmation or correction, kept beside the model's proposal (append-only)."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    prediction_id: Mapped[int | None] = mapped_column(ForeignKey("predictions.id"))
    created_at: Mapped[datetime] = mapped_column(index=True)
    actor_type: Mapped[str] = mapped_column(String(16))  # "human"
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))  # confirm | correct
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    # The proposal beside the human decision: the model's own labels, and the severity the
    # reviewer was shown (the model's, raised to red by rule hits).
    model_category: Mapped[str | None] = mapped_column(String(32))
    model_severity: Mapped[str | None] = mapped_column(String(16))
    proposed_severity: Mapped[str | None] = mapped_column(String(16))
    model_version: Mapped[str | None] = mapped_column(String(128))
    # The families in force after this review (rules' and reviewer's; empty unless red).
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The reviewer's flags in force after this review, with who set each and when.
    reviewer_flags: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    note: Mapped[str | None] = mapped_column(Text)

    item: Mapped[Item] = relationship(back_populates="reviews")


class Event(Base):
    """One step of an item's workflow: classified, reviewed, escalated... (append-only)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    actor_type: Mapped[str] = mapped_column(String(16))  # system | model | human
    actor: Mapped[str] = mapped_column(String(128))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    item: Mapped[Item] = relationship(back_populates="events")


class ApiKey(Base):
    """An API key: only its SHA-256 is stored; the key itself is shown once, at creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # What the reviewer knows: {"flags": [...], "languages": [...], "categories": [...]}
    # (service/access/skills.py); their queue shows matching items first.
    skills: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")


class UiSession(Base):
    """A console sign-in. The browser holds a random token; only its SHA-256 is stored, and
    signing out ends the row, so a copied cookie stops working on the server at once."""

    __tablename__ = "ui_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class WebhookOutbox(Base):
    """One notification to deliver (a transactional outbox): written in the same transaction
    as the event it announces, drained by any service process, kept after delivery."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (Index("ix_webhook_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Sent with every attempt, so receivers can drop repeats (delivery is at least once).
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # enums.NotificationKind
    # The item it announces, or none for an incident's notification (`incident_id`).
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"item": ..., "event": ...}
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    # A claimed row is being sent; past this time (its sender died) another sender may claim it.
    claimed_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    """One delivery attempt of a webhook notification (every attempt is logged)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The outbox row this attempt sent (rows from before the outbox have none).
    delivery_id: Mapped[str | None] = mapped_column(String(36), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    created_at: Mapped[datetime]
    url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(32))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    delivered: Mapped[bool]


class AutoApplySwitch(Base):
    """One change of whether a model version may auto-apply one class of one head (append-only:
    the latest row of a (model_version, head, label) is its state; no row means on)."""

    __tablename__ = "auto_apply_switches"
    __table_args__ = (Index("ix_auto_apply_switches_class", "model_version", "head", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_version: Mapped[str] = mapped_column(String(128))
    head: Mapped[str] = mapped_column(String(16))  # category | severity
    label: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool]
    changed_at: Mapped[datetime]
    actor_type: Mapped[str] = mapped_column(String(16))  # system | human
    changed_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    # The audit figures when the change was made (n, correct, bounds, target), if any.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The reviewed item whose verdict switched the class off (automatic changes).
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))


class Theme(Base):
    """A recurring theme: a cluster of items about the same thing (model/themes/). Ids are
    stable: a re-fit carries them over (`match_refit`), so they are given here, not by the
    database. `label_source` "admin" keeps an admin's name through re-fits."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column(String(200))
    label_source: Mapped[str] = mapped_column(String(16))  # keywords | admin
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)  # active | merged | retired
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    # The unit centroid in the theme encoder's space, base64 of float32 (null: not online).
    centroid: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer, default=0)  # members at the last fit
    representative_item_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ThemeChange(Base):
    """A theme's history (append-only): created, relabelled by a fit, renamed, merged, split,
    retired, by the model or a human."""

    __tablename__ = "theme_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Incident(Base):
    """A known issue: a burst of one theme or of near-identical texts, or a campaign, opened
    by the burst detector (model/incidents/) or by a human; its items link to it."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_opened", "status", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The detector's key while it tracks the incident (unique); null for a human's incident.
    detector_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    detector_open: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[str] = mapped_column(String(16))  # burst | campaign | manual
    status: Mapped[str] = mapped_column(String(16))  # open | monitoring | resolved
    title: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"), index=True)
    owner: Mapped[str] = mapped_column(String(32), index=True)
    response_rule: Mapped[str] = mapped_column(String(64))
    routing_rule: Mapped[str] = mapped_column(String(128))
    policy_version: Mapped[str] = mapped_column(String(64))
    # {"count", "expected", "p_value", "authors", "sources"} when the detector opened it.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Times on the items' clock (created_at, else received_at): time to detect is
    # opened_at - first_item_at, the same in a replay of history as live.
    first_item_at: Mapped[datetime]
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    # The customer-facing status text: a draft from the template, edited and published.
    status_text: Mapped[str] = mapped_column(Text, default="")
    published_text: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime]  # wall clock, when the row was written
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", order_by="IncidentEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class IncidentEvent(Base):
    """One step of an incident's timeline: opened, item linked or unlinked, status changed,
    note, status text edited or published, reclassified (append-only)."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    incident: Mapped[Incident] = relationship(back_populates="events")


class PatternState(Base):
    """State the pattern worker carries between rounds (the burst detector's, as JSON text),
    one row per name; read and written under a row lock, so one process works at a time."""

    __tablename__ = "pattern_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class ItemVector(Base):
    """An item's embedding in the theme encoder's space (float16, little-endian), written once
    by the pattern worker: a re-fit clusters these instead of encoding its whole window again
    (tens of milliseconds per long text). `encoder` names the model; another one's vectors are
    encoded afresh."""

    __tablename__ = "item_vectors"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    encoder: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class CalibrationSession(Base):
    """A calibration session (issue 19): a sample of stored items that two or more reviewers
    label blind; their agreement is measured and each item's settled label recorded. The seed
    makes the sample reproducible from the same stored items."""

    __tablename__ = "calibration_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sampling: Mapped[str] = mapped_column(String(16))  # random | stratified
    size: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(128))
    # Set when the last reviewer's last label arrives (agreed items are settled then).
    completed_at: Mapped[datetime | None]

    reviewers: Mapped[list[CalibrationSessionReviewer]] = relationship(
        order_by="CalibrationSessionReviewer.key_id", lazy="selectin"
    )
    items: Mapped[list[CalibrationSessionItem]] = relationship(
        order_by="CalibrationSessionItem.position"
    )


class CalibrationSessionReviewer(Base):
    """A reviewer key named in a session (the name is kept as it was when the session opened)."""

    __tablename__ = "calibration_session_reviewers"

    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id"), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))


class CalibrationSessionItem(Base):
    """A sampled item, with the model's proposal as it stood when sampled (hidden from the
    reviewers until the session is complete) and, once settled, the adjudicated label."""

    __tablename__ = "calibration_session_items"

    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    stratum: Mapped[str] = mapped_column(String(64))  # "<category>/<band>" or "all"
    proposed_category: Mapped[str | None] = mapped_column(String(32))
    proposed_severity: Mapped[str | None] = mapped_column(String(16))
    proposed_confidence: Mapped[float | None]
    proposed_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The settled label: by agreement (`adjudicated_by` "agreement") or by an admin.
    adjudicated_category: Mapped[str | None] = mapped_column(String(32))
    adjudicated_severity: Mapped[str | None] = mapped_column(String(16))
    adjudicated_flags: Mapped[list[str] | None] = mapped_column(JSON)
    adjudication_note: Mapped[str | None] = mapped_column(Text)
    adjudicated_by: Mapped[str | None] = mapped_column(String(128))
    adjudicated_at: Mapped[datetime | None]

    item: Mapped[Item] = relationship(lazy="joined")


class CalibrationLabel(Base):
    """One reviewer's blind label of one session item: one per reviewer and item (append-only;
    a second label is refused)."""

    __tablename__ = "calibration_labels"
    __table_args__ = (
        UniqueConstraint("session_id", "item_id", "key_id", name="uq_calibration_labels_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]


class MetricAlert(Base):
    """One crossing of a threshold of the routing policy (service/metrics/thresholds.py): raised
    once when the metric crosses its limit, cleared when it recovers. At most one open alert
    per threshold (a partial unique index), so two processes evaluating at once raise one."""

    __tablename__ = "metric_alerts"
    __table_args__ = (
        Index(
            "uq_metric_alerts_open",
            "threshold",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    threshold: Mapped[str] = mapped_column(String(128), index=True)  # the threshold's name
    metric: Mapped[str] = mapped_column(String(32))
    comparison: Mapped[str] = mapped_column(String(8))  # above | below
    limit: Mapped[float] = mapped_column(Float)
    window_hours: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)  # the metric when the alert was raised
    # What the figure rests on (counts; the theme for theme_growth).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(index=True)
    # The latest evaluation while open: the metric's value then.
    last_value: Mapped[float] = mapped_column(Float)
    checked_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    cleared_value: Mapped[float | None] = mapped_column(Float)  # None: threshold removed
