"""The review step: a human confirms or corrects an item's labels and may set its red-flag
families (the reviewer's flags, kept beside the rules' hits); routing then uses both.

Reviewer flags (`ReviewIn.flags`):
- left out, the flags the reviewers set before are kept (none at first); `[]` removes them;
  a list replaces them. A flag sent again with the same note keeps who set it and when.
- They do not raise severity: DOMAIN.md lets only the hard-coded rules raise severity, and in a
  review the human sets the severity. Every family is a red flag, though ("red with
  security"), so flags need severity red: a review that would leave reviewer flags on an item
  that is not red is refused (422) and changes nothing.
- `items.flags`, which routing and the queue read, is the rules' families and the reviewer's
  while the item is red, and empty otherwise (a reviewer who makes a rule hit yellow overrules
  the rule, as before). The review row keeps both and the corrections export reads it.
- A review whose labels or flags select another routing rule re-routes a waiting or routed item
  (owner, response rule, due time) and records a `routed` event; an acknowledged item keeps its
  owner, and an escalated owner is not undone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.errors import InvalidInputError
from model.labels import FLAG_FAMILIES, Severity
from service.actors import SYSTEM, Actor
from service.clock import utcnow
from service.enums import EventKind, ItemStatus
from service.errors import ConflictError
from service.items.claims import release_on_step
from service.items.intake import record_event, route_for
from service.items.schemas import ReviewAction, ReviewerFlagIn, ReviewIn
from service.items.transitions import open_for
from service.items.views import latest_prediction
from service.routing.policy import RoutingPolicy
from service.tables import Item, Review


def review_item(
    *,
    session: Session,
    item_id: int,
    review: ReviewIn,
    actor: Actor,
    policy: RoutingPolicy,
    now: datetime | None = None,
) -> Item:
    """Confirm or correct an item's category and severity, and set the reviewer's red flags;
    the model's proposal and the rules' hits are kept."""
    # One flush at the end: the routing query below must not flush the item early, since
    # every flush of a changed item is a compare-and-set that bumps its version.
    with session.no_autoflush:
        return _review(
            session=session, item_id=item_id, review=review, actor=actor, policy=policy, now=now
        )


def _labels(item: Item, review: ReviewIn) -> tuple[str, str]:
    """The category and severity the review leaves on the item."""
    if review.action is ReviewAction.CONFIRM:
        changes_category = review.category and review.category.value != item.category
        changes_severity = review.severity and review.severity.value != item.severity
        if changes_category or changes_severity:
            raise InvalidInputError("confirm keeps the labels; use action 'correct' to change them")
        if item.category is None or item.severity is None:
            raise ConflictError(
                f"item {item.id} has no model category to confirm (no model was loaded); "
                "use action 'correct' with both labels"
            )
        return item.category, item.severity
    if review.category is None or review.severity is None:
        raise InvalidInputError("a correction needs both category and severity")
    return review.category.value, review.severity.value


def reviewer_flags(
    before: list[dict[str, Any]],
    given: list[ReviewerFlagIn] | None,
    *,
    actor: Actor,
    now: datetime,
) -> list[dict[str, Any]]:
    """The reviewer flags a review leaves on an item, in family order, each with who set it and
    when (`given` None keeps `before`)."""
    if given is None:
        return before
    previous = {flag["family"]: flag for flag in before}
    wanted = {flag.family.value: flag.note for flag in given}
    flags = []
    for family in (f.value for f in FLAG_FAMILIES if f.value in wanted):
        note = wanted[family]
        kept = previous.get(family)
        if kept is not None and kept.get("note") == note:
            flags.append(kept)
        else:
            flags.append(
                {"family": family, "note": note, "set_by": actor.name, "set_at": now.isoformat()}
            )
    return flags


def _require_red(flags: list[dict[str, Any]], severity: str, *, kept: bool) -> None:
    if flags and severity != Severity.RED.value:
        families = ", ".join(flag["family"] for flag in flags)
        how = "set before and kept (no 'flags' given)" if kept else "given"
        raise InvalidInputError(
            f"red-flag families need severity red, and this review leaves it {severity}: the "
            f"reviewer flags {families} were {how}; correct the severity to red, or send "
            '"flags": [] to remove them'
        )


def _review(
    *,
    session: Session,
    item_id: int,
    review: ReviewIn,
    actor: Actor,
    policy: RoutingPolicy,
    now: datetime | None,
) -> Item:
    now = now or utcnow()
    item = open_for(
        session,
        item_id,
        version=review.version,
        allowed=(ItemStatus.NEEDS_REVIEW, ItemStatus.ROUTED, ItemStatus.ACKNOWLEDGED),
        step="a review",
        actor=actor,
        now=now,
    )
    category, severity = _labels(item, review)
    before_human = list(item.reviewer_flags or [])
    human = reviewer_flags(before_human, review.flags, actor=actor, now=now)
    _require_red(human, severity, kept=review.flags is None)
    prediction = latest_prediction(item)
    rule_flags = {h["family"] for h in prediction.red_flags} if prediction else set()
    human_families = [flag["family"] for flag in human]
    red = severity == Severity.RED.value
    flags = sorted(rule_flags | set(human_families)) if red else []
    item.reviews.append(
        Review(
            prediction_id=prediction.id if prediction else None,
            created_at=now,
            actor_type=actor.type.value,
            actor=actor.name,
            action=review.action.value,
            category=category,
            severity=severity,
            model_category=prediction.category if prediction else None,
            model_severity=prediction.model_severity if prediction else None,
            proposed_severity=prediction.severity if prediction else None,
            model_version=prediction.model_version if prediction else None,
            flags=flags,
            reviewer_flags=human,
            note=review.note,
        )
    )
    before = item.status
    item.category, item.severity, item.reviewed = category, severity, True
    item.flags, item.reviewer_flags = flags, human
    record_event(
        item,
        EventKind.REVIEWED,
        actor,
        now=now,
        from_status=before,
        to_status=None,
        data={
            "action": review.action.value,
            "category": category,
            "severity": severity,
            "reviewer_flags": human_families,
        }
        | _flag_changes([f["family"] for f in before_human], human_families),
    )
    if before == ItemStatus.NEEDS_REVIEW.value:
        item.status = ItemStatus.ROUTED.value
    item.events[-1].to_status = item.status
    if before in (ItemStatus.NEEDS_REVIEW.value, ItemStatus.ROUTED.value):
        _reroute(session, item, policy=policy, now=now)
    release_on_step(item, actor, reason=EventKind.REVIEWED.value, now=now)
    session.flush()  # the compare-and-set on `version` (tables.Item)
    return item


def _flag_changes(before: list[str], after: list[str]) -> dict[str, list[str]]:
    """What the review changed in the reviewer's flags, for the `reviewed` event."""
    added = [f for f in after if f not in before]
    removed = [f for f in before if f not in after]
    return ({"flags_added": added} if added else {}) | (
        {"flags_removed": removed} if removed else {}
    )


def _reroute(session: Session, item: Item, *, policy: RoutingPolicy, now: datetime) -> None:
    """Route the item again on its reviewed labels and flags (rules' and reviewer's)."""
    routing = route_for(
        session,
        policy=policy,
        category=item.category,
        severity=item.severity,
        account_id=item.account_id,
        account_tier=item.account_tier,
        flags=item.flags,
        now=item.received_at,
    )
    # Only a different rule re-routes: an escalated owner is not undone by a review.
    if routing.rule == item.routing_rule:
        return
    item.owner = routing.owner.value
    item.response_rule = routing.response_rule.value
    item.routing_rule = routing.rule
    item.policy_version = routing.policy_version
    item.due_at = max(routing.due_at, item.due_at)
    item.escalation_level = 0
    record_event(
        item,
        EventKind.ROUTED,
        SYSTEM,
        now=now,
        from_status=item.status,
        to_status=item.status,
        data=routing.event_data() | {"after": "review"},
    )
