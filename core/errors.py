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


class CalibrationSetError(TriageError):
    """A named calibration set is unknown, unreadable, or its file changed after it was frozen."""


class RegistryError(TriageError):
    """A model-registry request cannot be done: unknown version, no champion, nothing to undo."""


class PromotionRefusedError(RegistryError):
    """A candidate failed a promotion gate; `failures` names each failed figure."""

    def __init__(self, version: str, failures: list[str]) -> None:
        self.version = version
        self.failures = failures
        listed = "\n".join(f"  - {f}" for f in failures)
        super().__init__(
            f"version {version} was not promoted; failed gates:\n{listed}\n"
            "Each gate refuses only a drop its interval shows is real (red recall: any drop). "
            "See 'When a gate fails' in the README; --force --reason TEXT overrides (recorded)."
        )
