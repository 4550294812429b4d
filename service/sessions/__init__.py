"""Calibration sessions (issue 19): reviewers label a sample of stored items blind; the
session measures their agreement, lists the disagreements and records the settled labels,
which can become a calibration set."""
