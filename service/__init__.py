"""The escalation service (FastAPI, persistence, workflow): built on `model/`."""
