"""A session's report: the reviewers' agreement per head, per class and per flag family over
the items every reviewer labelled, and the disagreements for discussion."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from model.agreement import HeadAgreement, head_agreement
from model.labels import FLAG_FAMILIES, HEAD_LABELS, Category, FlagFamily, Severity
from service.access.keys import Principal
from service.enums import Role
from service.errors import ForbiddenError
from service.sessions.schemas import (
    Agreement,
    ClassAgreement,
    Disagreement,
    HeadAgreementPublic,
    Proposal,
    Report,
    ReviewerLabel,
    Settled,
)
from service.sessions.service import is_reviewer, label_counts, labels_by_item
from service.tables import CalibrationLabel, CalibrationSession, CalibrationSessionItem

PRESENT = ("absent", "present")


def _interval(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else list(ci)


def _public(found: HeadAgreement) -> HeadAgreementPublic:
    return HeadAgreementPublic(
        method=found.method,
        kappa=found.overall.kappa,
        ci=_interval(found.overall.ci),
        observed=found.overall.observed,
        items=found.overall.items,
        per_class={
            label: ClassAgreement(kappa=k.kappa, ci=_interval(k.ci), support=found.support[label])
            for label, k in found.per_class.items()
        },
    )


def may_read_report(session: Session, record: CalibrationSession, principal: Principal) -> None:
    """Admins read it any time; a reviewer of the session once they labelled every item
    (before, other labels would no longer be blind); anyone else once it is complete."""
    if principal.role is Role.ADMIN or record.completed_at is not None:
        return
    if is_reviewer(record, principal):
        total = len(record.items)
        if label_counts(session, record.id)[principal.key_id] >= total:
            return
        raise ForbiddenError("finish labelling your items first: the report shows others' labels")
    raise ForbiddenError("the report opens to those outside the session once it is complete")


def _differs(labels: list[CalibrationLabel]) -> list[str]:
    heads = []
    for head, value in (
        ("category", lambda x: x.category),
        ("severity", lambda x: x.severity),
        ("flags", lambda x: tuple(sorted(x.flags))),
    ):
        if len({value(x) for x in labels}) > 1:
            heads.append(head)
    return heads


def _settled(row: CalibrationSessionItem) -> Settled | None:
    if (
        row.adjudicated_at is None
        or row.adjudicated_by is None
        or row.adjudicated_category is None
        or row.adjudicated_severity is None
    ):
        return None
    return Settled(
        category=Category(row.adjudicated_category),
        severity=Severity(row.adjudicated_severity),
        flags=[FlagFamily(f) for f in row.adjudicated_flags or []],
        note=row.adjudication_note,
        by=row.adjudicated_by,
        at=row.adjudicated_at,
    )


def build_report(session: Session, record: CalibrationSession, principal: Principal) -> Report:
    may_read_report(session, record, principal)
    rows = list(
        session.scalars(
            select(CalibrationSessionItem)
            .where(CalibrationSessionItem.session_id == record.id)
            .order_by(CalibrationSessionItem.position)
        )
    )
    labels = labels_by_item(session, record.id)
    names = {r.key_id: r.name for r in record.reviewers}
    reviewers = len(record.reviewers)
    compared = [r for r in rows if len(labels.get(r.item_id, [])) == reviewers]
    seed = record.seed
    category = head_agreement(
        [[x.category for x in labels[r.item_id]] for r in compared],
        HEAD_LABELS["category"],
        seed=seed,
    )
    severity = head_agreement(
        [[x.severity for x in labels[r.item_id]] for r in compared],
        HEAD_LABELS["severity"],
        seed=seed,
    )
    flags = {
        family.value: _public(
            head_agreement(
                [[PRESENT[family.value in x.flags] for x in labels[r.item_id]] for r in compared],
                PRESENT,
                seed=seed,
            )
        )
        for family in FLAG_FAMILIES
    }
    show_proposal = principal.role is Role.ADMIN or record.completed_at is not None
    disagreements = []
    for row in compared:
        given = labels[row.item_id]
        heads = _differs(given)
        if not heads:
            continue
        disagreements.append(
            Disagreement(
                item_id=row.item_id,
                text=row.item.text,
                heads=heads,
                labels=[
                    ReviewerLabel(
                        reviewer=names.get(x.key_id, str(x.key_id)),
                        category=Category(x.category),
                        severity=Severity(x.severity),
                        flags=[FlagFamily(f) for f in x.flags],
                    )
                    for x in given
                ],
                proposal=Proposal(
                    category=row.proposed_category,
                    severity=row.proposed_severity,
                    confidence=row.proposed_confidence,
                    flags=row.proposed_flags,
                )
                if show_proposal
                else None,
                adjudication=_settled(row),
            )
        )
    return Report(
        session_id=record.id,
        complete=record.completed_at is not None,
        items=len(rows),
        compared=len(compared),
        adjudicated=sum(1 for r in rows if r.adjudicated_at is not None),
        agreement=Agreement(category=_public(category), severity=_public(severity), flags=flags),
        disagreements=disagreements,
    )
