"""The managers' figures: computed from the database, typed, served by GET /v1/metrics."""
