"""The service's vocabularies (DOMAIN.md): owners, response rules, statuses, roles, event kinds."""

from __future__ import annotations

from enum import StrEnum


class Owner(StrEnum):
    MARKETING = "marketing"
    SUPPORT = "support"
    SALES = "sales"
    OPERATIONS = "operations"
    LEADERSHIP = "leadership"


class ResponseRule(StrEnum):
    PUBLIC_REPLY = "public_reply"
    PRIVATE_OUTREACH = "private_outreach"
    EVIDENCE_COLLECTION = "evidence_collection"
    NO_PUBLIC_REPLY_UNTIL_REVIEWED = "no_public_reply_until_reviewed"


class ReplyKind(StrEnum):
    """What a reply template writes (service/replies/)."""

    PUBLIC_REPLY = "public_reply"  # posted where the feedback is, for everyone to read
    OUTREACH = "outreach"  # a private message to the author or account
    ESCALATION_NOTE = "escalation_note"  # internal: the item for the owner one level up
    UPDATE_EMAIL = "update_email"  # a progress update to the author or account


class ItemStatus(StrEnum):
    NEW = "new"
    NEEDS_REVIEW = "needs_review"
    ROUTED = "routed"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


OPEN_STATUSES = (ItemStatus.NEEDS_REVIEW, ItemStatus.ROUTED, ItemStatus.ACKNOWLEDGED)
UNACKNOWLEDGED_STATUSES = (ItemStatus.NEEDS_REVIEW, ItemStatus.ROUTED)


class Role(StrEnum):
    HELPDESK = "helpdesk"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class EventKind(StrEnum):
    CLASSIFIED = "classified"
    REVIEWED = "reviewed"
    ROUTED = "routed"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
    ESCALATED = "escalated"
    AUTO_APPLY_SWITCHED_OFF = "auto_apply_switched_off"
    THEME_ASSIGNED = "theme_assigned"
    INCIDENT_LINKED = "incident_linked"
    INCIDENT_UNLINKED = "incident_unlinked"
    # A calibration session settled the item's label (service/sessions/).
    CALIBRATION_ADJUDICATED = "calibration_adjudicated"
    # A reviewer's lease on an item (service/items/claims.py); renewals record nothing.
    CLAIMED = "claimed"
    CLAIM_RELEASED = "claim_released"
    REPLY_SENT = "reply_sent"  # what was sent to the author or written up (service/replies/)


class ActorType(StrEnum):
    SYSTEM = "system"
    MODEL = "model"
    HUMAN = "human"


class NotificationKind(StrEnum):
    """What a webhook notification announces."""

    RED_ITEM = "red_item"
    ESCALATION = "escalation"
    INCIDENT_OPENED = "incident_opened"
    INCIDENT_UPDATED = "incident_updated"
    METRIC_THRESHOLD = "metric_threshold"  # a threshold of the routing policy was crossed


class ThemeStatus(StrEnum):
    ACTIVE = "active"  # items join it
    MERGED = "merged"  # an admin or a re-fit merged it into `merged_into`
    RETIRED = "retired"  # no cluster of the last re-fit carries it


class IncidentKind(StrEnum):
    BURST = "burst"  # one theme, or near-identical texts, well above their baseline rate
    CAMPAIGN = "campaign"  # many authors posting near-identical claims in a short window
    MANUAL = "manual"  # opened by a human


class IncidentStatus(StrEnum):
    OPEN = "open"
    MONITORING = "monitoring"  # the burst is over (or the owner says so); watching for more
    RESOLVED = "resolved"


# Incidents whose owner has their items: those items are not escalated one by one.
ACTIVE_INCIDENT_STATUSES = (IncidentStatus.OPEN, IncidentStatus.MONITORING)
