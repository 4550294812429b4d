"""Re-score a history of feedback on Spark with the registered pyfunc (`triage backfill`).

Every input row becomes one output row with the columns of `triage classify-file`: `id` (the
input id, else the row number; always a string here), `row` (1-based, in input order), the
result keys, and `error`. Rows are checked first with the function `classify-file` uses
(`item_from_row`), so a bad row gets the same `error` and never fails the job; the good rows
are scored by `mlflow.pyfunc.spark_udf` on the registered model (the champion by default).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Tuple  # noqa: UP035 (pandas_udf reads no tuple[...])

import pandas as pd

from core.errors import InvalidInputError
from model.engine import RESULT_KEYS
from model.records import MAX_TEXT_CHARS, item_from_row
from training.model_store import CHAMPION, REGISTERED_MODEL

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

INPUT_FORMATS = ("csv", "jsonl", "parquet")
OUTPUT_FORMATS = ("parquet", "jsonl")
INPUT_COLUMNS = ("text", "id", "rating", "source", "account_tier")
OUTPUT_COLUMNS = ("id", "row", *RESULT_KEYS, "error")
# `--with-input` adds the item's own fields, which `triage import-history` stores.
HISTORY_COLUMNS = ("external_id", "account_id", "author", "created_at", "language")
INPUT_FIELDS = ("text", "rating", "source", "account_tier", *HISTORY_COLUMNS)
CHAMPION_URI = f"models:/{REGISTERED_MODEL}@{CHAMPION}"
# Scored in place of a bad row's text, whose result is then dropped: keeps every row in its
# partition (and so in input order) without a shuffle.
_PLACEHOLDER = "-"
_CORRUPT = "_corrupt_record"
_CHECKED = ("text", "rating", "source", "account_tier")
# The pyfunc's result as Spark types (model/engine.py RESULT_KEYS, RedFlagHit.to_dict).
RESULT_TYPE = (
    "category string, severity string, category_confidence double, "
    "severity_confidence double, "
    "probabilities struct<category: map<string, double>, severity: map<string, double>>, "
    "red_flags array<struct<family: string, rule: string, text: string, start: bigint, "
    "end: bigint, language: string>>, "
    "decision string, reasons array<string>, model_version string, rules_version string, "
    "error string"
)


@dataclass(frozen=True)
class BackfillSummary:
    rows: int
    bad: int
    output: Path
    seconds: float


def input_format_of(path: str, given: str | None) -> str:
    """The input's format: `given`, else from the extension (a folder of Parquet too)."""
    if given is not None:
        if given not in INPUT_FORMATS:
            raise InvalidInputError(f"--input-format must be one of {', '.join(INPUT_FORMATS)}")
        return given
    suffix = Path(path.rstrip("/")).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".parquet":
        return "parquet"
    raise InvalidInputError(
        f"{path}: unknown file type {suffix!r}; use .csv, .jsonl or .parquet, or --input-format"
    )


def start_spark(master: str, app_name: str = "triage-backfill") -> SparkSession:
    """A Spark session whose Python workers run this interpreter (with the project on it)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    project = str(Path(__file__).resolve().parents[1])
    paths = [project, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    spark = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.executorEnv.PYTHONPATH", os.pathsep.join(paths))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class StageProgress:
    """Says one line per finished Spark stage, polling the status tracker (a SparkListener is
    not reachable from Python in every Spark version)."""

    def __init__(self, spark: SparkSession, say: Callable[[str], None], every: float = 0.5):
        self._tracker = spark.sparkContext.statusTracker()
        self._say = say
        self._every = every
        self._reported: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="spark-progress", daemon=True)

    def __enter__(self) -> StageProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.poll()  # the stages that ended since the last look

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.poll()

    def poll(self) -> None:
        active = set(self._tracker.getActiveStageIds())
        for job_id in self._tracker.getJobIdsForGroup(None):
            job = self._tracker.getJobInfo(job_id)
            for stage_id in job.stageIds if job else []:
                if stage_id in self._reported or stage_id in active:
                    continue
                stage = self._tracker.getStageInfo(stage_id)
                if stage is None or stage.numCompletedTasks < stage.numTasks:
                    continue  # skipped or not started
                self._reported.add(stage_id)
                self._say(
                    f"stage {stage_id} finished: {stage.name.split(' at ')[0]} "
                    f"({stage.numTasks} task(s), {stage.numFailedTasks} failed)"
                )


def _name_stages(spark: SparkSession, name: str) -> None:
    """Name the stages of the next Spark actions (their call site), for the progress lines."""
    spark.sparkContext.setLocalProperty("callSite.short", name)


def _read(spark: SparkSession, path: str, fmt: str) -> DataFrame:
    """The input with lower-cased column names; CSV and JSON cells as strings, as
    `classify-file` reads them, and unreadable records kept in `_corrupt_record`."""
    from pyspark.sql import functions as sf

    if fmt == "parquet":
        frame = spark.read.parquet(path)
    else:
        if fmt == "csv":
            # lineSep: keep line ends inside quoted text as they are (\r\n too), as Python's
            # csv module does; Spark would otherwise turn them into \n.
            options: dict[str, bool | str] = {
                "header": True,
                "multiLine": True,
                "escape": '"',
                "lineSep": "\n",
            }
            header = spark.read.options(**options).csv(path).columns
            names = [name.strip().lower() for name in header]
            schema = ", ".join(f"`{name}` string" for name in [*names, _CORRUPT])
            reader = spark.read.options(**options, mode="PERMISSIVE", enforceSchema=True)
            frame = reader.schema(schema).option("columnNameOfCorruptRecord", _CORRUPT).csv(path)
            # A \r\n record end leaves its \r on the last field (unquoted it cannot be text).
            last = names[-1]
            frame = frame.withColumn(last, sf.regexp_replace(sf.col(last), "\\r\\z", ""))
            # Spark reads an empty cell as null; classify-file (Python's csv) as "".
            frame = frame.fillna("", subset=names)
        else:
            names = [*INPUT_COLUMNS, *HISTORY_COLUMNS, _CORRUPT]
            schema = ", ".join(f"`{name}` string" for name in names)
            frame = (
                spark.read.schema(schema)
                .option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", _CORRUPT)
                .json(path)
            )
        frame = frame.toDF(*[name.strip().lower() for name in frame.columns])
    if "text" not in frame.columns:
        raise InvalidInputError(f"{path}: the input has no 'text' column: {frame.columns}")
    wanted = (*INPUT_COLUMNS, *HISTORY_COLUMNS, _CORRUPT)
    for name in wanted:
        if name not in frame.columns:
            frame = frame.withColumn(name, sf.lit(None).cast("string"))
    columns = [sf.col(name).cast("string").alias(name) for name in wanted]
    return frame.select(*columns)


def _numbered(frame: DataFrame) -> DataFrame:
    """`frame` with `row`, its 1-based number in input order, computed in the JVM: each
    partition's rows are counted once, then numbered from the partitions before it."""
    from pyspark.sql import functions as sf

    frame = frame.withColumn("_part", sf.spark_partition_id()).withColumn(
        "_mono", sf.monotonically_increasing_id()
    )
    _name_stages(frame.sparkSession, "number the rows")
    counts = sorted(
        (row["_part"], row["count"]) for row in frame.groupBy("_part").count().collect()
    )
    offsets: list[tuple[int, int]] = []
    total = 0
    for part, count in counts:
        offsets.append((part, total))
        total += count
    spark = frame.sparkSession
    starts = spark.createDataFrame(offsets or [(0, 0)], "_part int, _start long")
    # monotonically_increasing_id = partition id << 33 + position in the partition
    position = sf.col("_mono") - sf.shiftleft(sf.col("_part").cast("long"), 33)
    return (
        frame.join(sf.broadcast(starts), "_part")
        .withColumn("row", sf.col("_start") + position + 1)
        .drop("_part", "_mono", "_start")
    )


def _checker(max_chars: int) -> Callable[..., Iterator[pd.DataFrame]]:
    """A pandas UDF giving each row the `classify-file` error (or None) and its rating as a
    number, since the pyfunc's signature takes a double."""

    def check(
        batches: Iterator[Tuple[pd.Series, pd.Series, pd.Series, pd.Series, pd.Series]],  # noqa: UP006
    ) -> Iterator[pd.DataFrame]:
        for text, rating, source, tier, corrupt in batches:
            errors: list[str | None] = []
            ratings: list[float | None] = []
            for values in zip(text, rating, source, tier, corrupt, strict=True):
                fields = dict(zip(_CHECKED, values[:4], strict=True))
                try:
                    if _present(values[4]) is not None:
                        raise InvalidInputError("is not a readable record")
                    item = item_from_row(
                        {k: _present(v) for k, v in fields.items()}, max_chars=max_chars
                    )
                    errors.append(None)
                    ratings.append(None if item.rating is None else float(item.rating))
                except InvalidInputError as exc:
                    errors.append(str(exc))
                    ratings.append(None)
            yield pd.DataFrame({"error": errors, "rating": ratings})

    return check


def _present(value: Any) -> Any:
    """pandas marks a missing cell as None or NaN: both mean "not given"."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value


def score(
    frame: DataFrame, model_uri: str, *, max_chars: int = MAX_TEXT_CHARS, with_input: bool = False
) -> DataFrame:
    """The `classify-file` rows of `frame` (the columns of `_read`), scored on Spark; with
    `with_input`, followed by the input's fields (`INPUT_FIELDS`)."""
    import mlflow.pyfunc
    from pyspark import cloudpickle
    from pyspark.sql import functions as sf
    from pyspark.sql.pandas.functions import pandas_udf

    # The model's own copy of training/ (its MLflow code_paths) can shadow this one in a
    # Python worker that loaded it: ship this module's checker by value, not by name.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # type: ignore[no-untyped-call]
    spark = frame.sparkSession
    checker = pandas_udf(  # type: ignore[call-overload]  # the stubs know no iterator of tuples
        _checker(max_chars), "error string, rating double"
    )
    predict = mlflow.pyfunc.spark_udf(
        spark, model_uri, result_type=RESULT_TYPE, env_manager="local"
    )
    # Spread the rows over the workers (one CSV read with multiLine is one partition) by
    # ranges of row numbers, so that the part files still follow the input order.
    parts = max(spark.sparkContext.defaultParallelism * 2, frame.rdd.getNumPartitions())
    numbered = _numbered(frame).repartitionByRange(parts, "row").sortWithinPartitions("row")
    checked = numbered.withColumn(
        "_check", checker("text", "rating", "source", "account_tier", _CORRUPT)
    )
    good = sf.col("_check.error").isNull()
    model_input = sf.struct(
        sf.when(good, sf.col("text")).otherwise(sf.lit(_PLACEHOLDER)).alias("text"),
        sf.lit(None).cast("string").alias("id"),
        sf.when(good, sf.col("_check.rating")).alias("rating"),
        sf.when(good, sf.col("source")).alias("source"),
        sf.when(good, sf.col("account_tier")).alias("account_tier"),
    )
    scored = checked.withColumn("_result", predict(model_input))
    # One type for every row: the input id, else the row number, as a string.
    given = sf.col("id").isNotNull() & (sf.trim(sf.col("id")) != "")
    row_id = sf.when(given, sf.col("id")).otherwise(sf.col("row").cast("string"))
    columns = [row_id.alias("id"), sf.col("row")]
    for key in RESULT_KEYS:
        columns.append(sf.when(good, sf.col(f"_result.{key}")).alias(key))
    columns.append(sf.coalesce(sf.col("_check.error"), sf.col("_result.error")).alias("error"))
    if with_input:
        columns.extend(sf.col(name) for name in INPUT_FIELDS)
    return scored.select(*columns)


def backfill(
    spark: SparkSession,
    input_path: str,
    output_path: str,
    *,
    model_uri: str = CHAMPION_URI,
    input_format: str | None = None,
    output_format: str = "parquet",
    max_chars: int = MAX_TEXT_CHARS,
    with_input: bool = False,
    say: Callable[[str], None] = print,
) -> BackfillSummary:
    """Score every row of `input_path` and write them to `output_path` (a folder of part
    files, replaced if it exists), in input order."""
    from pyspark.sql import functions as sf

    if output_format not in OUTPUT_FORMATS:
        raise InvalidInputError(f"--format must be one of {', '.join(OUTPUT_FORMATS)}")
    fmt = input_format_of(input_path, input_format)
    started = time.perf_counter()
    context = spark.sparkContext
    say(f"Spark UI: {context.uiWebUrl or 'disabled'} (master {context.master})")
    with StageProgress(spark, say):
        frame = _read(spark, input_path, fmt)
        result = score(frame, model_uri, max_chars=max_chars, with_input=with_input).cache()
        _name_stages(spark, f"score and write {output_format}")
        writer = result.write.mode("overwrite")
        if output_format == "parquet":
            writer.parquet(output_path)
        else:
            writer.json(output_path)  # null fields left out: a bad row is {id, row, error}
        _name_stages(spark, "count the rows")
        counts = result.agg(
            sf.count(sf.lit(1)).alias("rows"), sf.count("error").alias("bad")
        ).collect()[0]
        result.unpersist()
    return BackfillSummary(
        rows=int(counts["rows"]),
        bad=int(counts["bad"]),
        output=Path(output_path),
        seconds=time.perf_counter() - started,
    )
