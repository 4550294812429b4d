"""Incidents (issue 18): a burst and campaign detector over the feedback stream, and its
state as JSON-able values. Pure: no I/O; the service persists the state and acts on the
decisions."""

from model.incidents.detector import BurstDetector, poisson_upper_tail
from model.incidents.state import from_state, to_state
from model.incidents.types import (
    BurstConfig,
    Close,
    Decision,
    Evidence,
    Link,
    Observation,
    Open,
    Reclassify,
)

__all__ = [
    "BurstConfig",
    "BurstDetector",
    "Close",
    "Decision",
    "Evidence",
    "Link",
    "Observation",
    "Open",
    "Reclassify",
    "from_state",
    "poisson_upper_tail",
    "to_state",
]
