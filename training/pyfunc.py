"""The trained triage model as an MLflow pyfunc: rules, thresholds and decision policy included.

Input: a DataFrame with a `text` column and optionally `id`, `rating`, `source`,
`account_tier` (the columns of `triage classify-file`). Output: one row per input row with
`id`, the `classify-file` result keys as columns, and `error` (None, or why that row could
not be classified; the other result columns are then empty).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

# PythonModelContext at run time too: MLflow reads `predict`'s type hints (get_type_hints).
from mlflow.pyfunc.model import PythonModel, PythonModelContext

from core.errors import InvalidInputError
from model.artifact import load_triager
from model.engine import RESULT_KEYS, Triager
from model.records import MAX_TEXT_CHARS, FeedbackItem, item_from_row

INPUT_COLUMNS = ("text", "id", "rating", "source", "account_tier")
OUTPUT_COLUMNS = ("id", *RESULT_KEYS, "error")
ARTIFACT_KEY = "triage_model"


def _present(value: object) -> object:
    """pandas marks missing cells as NaN or None: both mean "not given"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def classify_frame(
    triager: Triager, frame: pd.DataFrame, *, max_chars: int = MAX_TEXT_CHARS
) -> pd.DataFrame:
    """Classify every row of `frame`; a bad row gets an `error` instead of stopping the rest."""
    if "text" not in frame.columns:
        raise InvalidInputError(
            f"the input needs a 'text' column; it has {sorted(map(str, frame.columns))}"
        )
    records: list[dict[str, object]] = []
    items: list[FeedbackItem] = []
    positions: list[int] = []
    for number, row in enumerate(frame.to_dict(orient="records"), start=1):
        fields = {column: _present(row.get(column)) for column in INPUT_COLUMNS}
        row_id = fields["id"] if fields["id"] not in (None, "") else number
        record: dict[str, object] = dict.fromkeys(OUTPUT_COLUMNS) | {"id": row_id}
        try:
            items.append(item_from_row(fields, max_chars=max_chars))
            positions.append(len(records))
        except InvalidInputError as exc:
            record["error"] = str(exc)
        records.append(record)
    for position, result in zip(positions, triager.classify_many(items), strict=True):
        records[position].update(result.to_dict())
    # Object columns keep None as None (pandas would turn it into NaN, which is not JSON).
    return pd.DataFrame(
        {column: pd.Series([r[column] for r in records], dtype=object) for column in OUTPUT_COLUMNS}
    )


class TriagePyfunc(PythonModel):
    """Loads the joblib artifact once, then classifies DataFrames like `classify-file`."""

    def __init__(self) -> None:
        self._triager: Triager | None = None

    def load_context(self, context: PythonModelContext) -> None:
        self._triager = load_triager(Path(context.artifacts[ARTIFACT_KEY]))

    def predict(
        self,
        context: PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,  # Any: as `PythonModel.predict` declares it
    ) -> pd.DataFrame:
        if self._triager is None:
            self.load_context(context)
        assert self._triager is not None
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        return classify_frame(self._triager, frame)
