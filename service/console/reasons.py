"""Decision reasons in words, for the console. The API and the database keep the codes.

A reason is a code, optionally followed by details in brackets: `red_flag:legal (legal.sue)`,
`low_confidence:severity (red is never auto-applied)`, `auto_apply_off:category:complaint`.
`WORDING` has one entry per code kind (the part before the first colon); every kind the
decision policy (`model.policy.Reason`) and the audit gate (`service.serving.audit`) produce must be
here, which tests/service/console/test_ui_reasons.py checks. An unknown reason is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from model.policy import Reason
from service.serving.audit import AUDIT_REASON, AUTO_APPLY_OFF

# "complaint 0.62 < 0.80" and "0.31 >= 0.25": the figures a detail carries.
_BELOW = re.compile(r"^(?P<label>\S+) (?P<p>[0-9.]+) < (?P<threshold>[0-9.]+)$")
_AT_LEAST = re.compile(r"^(?P<p>[0-9.]+) >= (?P<threshold>[0-9.]+)$")
_NEVER = re.compile(r"^(?P<label>\S+) is never auto-applied$")


def _pct(text: str) -> str:
    return f"{100 * float(text):.0f} %"


def _red_flag(args: list[str], detail: str) -> str:
    family = args[0] if args else "red-flag"
    rules = f" ({detail})" if detail else ""
    return f"A {family} red-flag rule matched{rules}; a person confirms every red item."


def _model_unavailable(args: list[str], detail: str) -> str:
    return "No model was loaded, so only the red-flag rules judged this item; a person decides."


def _model_severity_red(args: list[str], detail: str) -> str:
    return "The model rates the severity red; red is never applied without a person."


def _model_red_probability(args: list[str], detail: str) -> str:
    found = _AT_LEAST.match(detail)
    if found is None:
        return "The model thinks red is likely enough to treat the item as red."
    return (
        f"The model gives red a {_pct(found['p'])} chance, at or above the "
        f"{_pct(found['threshold'])} that makes an item red; a person confirms it."
    )


def _low_confidence(args: list[str], detail: str) -> str:
    head = args[0] if args else "label"
    never = _NEVER.match(detail)
    if never is not None:
        return (
            f"The model is unsure of the {head}: {never['label']} is never applied "
            "without a person."
        )
    below = _BELOW.match(detail)
    if below is not None:
        return (
            f"The model is unsure of the {head}: {below['label']} at "
            f"{_pct(below['p'])} confidence, below the {_pct(below['threshold'])} needed "
            "to apply it without a person."
        )
    return f"The model is unsure of the {head}."


def _confident(args: list[str], detail: str) -> str:
    return "The model is confident of both labels, so they were applied without a person."


def _audit_sample(args: list[str], detail: str) -> str:
    return (
        "Audit sample: the model would have applied these labels on its own; a person checks "
        "a random share of them to measure how precise it is."
    )


def _auto_apply_off(args: list[str], detail: str) -> str:
    what = " ".join(args) if args else "this class"
    return (
        f"Automatic labelling is switched off for {what} (audits found it less precise than "
        "the target), so a person decides."
    )


Wording = Callable[[list[str], str], str]

WORDING: dict[str, Wording] = {
    Reason.RED_FLAG.value: _red_flag,
    Reason.MODEL_UNAVAILABLE.value: _model_unavailable,
    Reason.MODEL_SEVERITY_RED.value: _model_severity_red,
    Reason.MODEL_RED_PROBABILITY.value: _model_red_probability,
    Reason.LOW_CONFIDENCE.value: _low_confidence,
    Reason.CONFIDENT.value: _confident,
    AUDIT_REASON: _audit_sample,
    AUTO_APPLY_OFF: _auto_apply_off,
}


def split_reason(reason: str) -> tuple[str, list[str], str]:
    """(`low_confidence`, [`severity`], `red is never auto-applied`) from a reason."""
    code, _, rest = reason.partition(" (")
    detail = rest[:-1] if rest.endswith(")") else rest
    kind, *args = code.split(":")
    return kind, args, detail


def in_words(reason: str) -> str:
    """The reason as a sentence; a reason of an unknown kind is returned as it is."""
    kind, args, detail = split_reason(reason)
    wording = WORDING.get(kind)
    return reason if wording is None else wording(args, detail)
