"""Incidents (issue 18): known issues opened by the burst detector or by a person, with their
items, owner, timeline and customer-facing status text. The pattern worker (service/patterns/)
calls `burst_config` and `apply_decisions`; the API is in `routes.py`."""

from service.incidents.detection import apply_decisions, burst_config

__all__ = ["apply_decisions", "burst_config"]
