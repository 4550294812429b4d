"""The one error root of review-triage and the library's own error kinds."""

from __future__ import annotations


class TriageError(Exception):
    """Root of every error review-triage raises on purpose; callers catch this one."""


class InvalidInputError(TriageError):
    """A feedback item or one of its fields is not acceptable (empty text, bad rating...)."""


class DatasetError(TriageError):
    """A labelled file has bad rows; `problems` lists every one, with its row number."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{path}: {len(problems)} bad row(s):\n{shown}{more}")


class ArtifactError(TriageError):
    """A saved model cannot be used: missing, corrupt, or made by an incompatible version."""


class ModelNotFoundError(ArtifactError):
    """No model artifact exists at the expected location."""
