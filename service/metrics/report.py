"""The managers' figures as one report (GET /v1/metrics and the console's dashboard), and as
CSV: "reporting can be reviewed without rebuilding data manually" (issue 19).

The CSV is tidy and long, one figure a row: `section, metric, group, value`.

- `section`: a top-level section of the JSON (`overview` for the figures at its top level);
- `metric`: the figure's path inside its section, e.g. `overall.p90_seconds` or
  `by_severity.p90_seconds`;
- `group`: for a figure inside a list, which entry it belongs to, as `key=value` pairs joined
  by `;` from the entry's identifying fields (e.g. `severity=red`, `category=complaint;
  source=g2`; a JSON null reads `null`); empty otherwise;
- `value`: the number as JSON has it (every digit), a boolean as 1 or 0, and empty for null.

Every number and boolean of the JSON is a row; text (definitions, units, dates) stays in the
JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from service.clock import as_utc
from service.errors import NotFoundError
from service.incidents.figures import incident_figures
from service.metrics.resolution import resolution_figures
from service.metrics.schemas import MetricsOut
from service.metrics.service import compute_metrics
from service.runtime import Runtime
from service.serving.audit import audit_section

CSV_COLUMNS = ("section", "metric", "group", "value")
OVERVIEW = "overview"
# The fields that say which entry of a list a figure belongs to (named in the entry's order).
GROUP_FIELDS = frozenset(
    {
        "model_version",
        "head",
        "theme_id",
        "label",
        "severity",
        "owner",
        "category",
        "source",
        "account_id",
        "family",
        "proposed",
        "root_cause",
        "kind",
    }
)
# Sections with text only: nothing to put in the CSV.
TEXT_ONLY = frozenset({"range"})
SECTIONS = (
    OVERVIEW,
    *(
        name
        for name, info in MetricsOut.model_fields.items()
        if name not in TEXT_ONLY
        and isinstance(info.annotation, type)
        and issubclass(info.annotation, BaseModel)
    ),
)


def collect_metrics(
    session: Session,
    runtime: Runtime,
    *,
    received_from: datetime | None,
    received_to: datetime | None,
    bucket: str,
) -> MetricsOut:
    """Every section of GET /v1/metrics: the items' figures, the audits of auto-applied labels
    (`audit`), the incidents opened in the range (`incidents`), and time to resolution with the
    root causes of the policy's taxonomy (`resolution`)."""
    figures = compute_metrics(
        session=session, received_from=received_from, received_to=received_to, bucket=bucket
    )
    audit = audit_section(session, triager=runtime.holder.triager, settings=runtime.settings)
    incidents = incident_figures(
        session=session,
        opened_from=as_utc(received_from) if received_from else None,
        opened_to=as_utc(received_to) if received_to else None,
    )
    resolution = resolution_figures(
        session=session,
        received_from=received_from,
        received_to=received_to,
        taxonomy=runtime.policy.resolution.root_causes,
    )
    # The sections are validated models already; MetricsOut adds the other three.
    return MetricsOut(**dict(figures), audit=audit, incidents=incidents, resolution=resolution)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return repr(value) if isinstance(value, float) else str(value)


def _group_part(key: str, value: Any) -> str:
    return f"{key}={'null' if value is None else value}"


def _rows(node: Any, path: str, group: str) -> Iterator[tuple[str, str, str]]:
    """(metric, group, value) of every number and boolean under `node` (JSON)."""
    if isinstance(node, bool | int | float) or node is None:
        yield path, group, _cell(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):  # text: definitions, units, labels, dates
                continue
            yield from _rows(value, f"{path}.{key}" if path else str(key), group)
    elif isinstance(node, list):
        for index, entry in enumerate(node):
            if not isinstance(entry, dict):
                yield from _rows(entry, path, _join(group, f"#{index}"))
                continue
            keys = [k for k in entry if k in GROUP_FIELDS]
            own = ";".join(_group_part(k, entry[k]) for k in keys) or f"#{index}"
            rest = {k: v for k, v in entry.items() if k not in keys}
            yield from _rows(rest, path, _join(group, own))


def _join(outer: str, inner: str) -> str:
    return f"{outer};{inner}" if outer else inner


def check_section(section: str) -> None:
    """A 404 naming the sections, for a section the report does not have."""
    if section not in SECTIONS:
        raise NotFoundError(
            f"no metrics section {section!r}; the sections are: {', '.join(SECTIONS)}"
        )


def csv_rows(metrics: MetricsOut, section: str | None = None) -> list[tuple[str, str, str, str]]:
    """The tidy rows of every section, or of one; an unknown section is a 404."""
    if section is not None:
        check_section(section)
    body = metrics.model_dump(mode="json")
    chosen = SECTIONS if section is None else (section,)
    rows: list[tuple[str, str, str, str]] = []
    for name in chosen:
        if name == OVERVIEW:
            top = {k: v for k, v in body.items() if k not in SECTIONS and k not in TEXT_ONLY}
            rows.extend((name, *row) for row in _rows(top, "", ""))
        else:
            rows.extend((name, *row) for row in _rows(body[name], "", ""))
    return rows


def to_csv(metrics: MetricsOut, section: str | None = None) -> str:
    """The CSV text (with its header) of every section, or of one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(metrics, section))
    return buffer.getvalue()


def csv_filename(section: str | None) -> str:
    return f"metrics-{section or 'all'}.csv"
