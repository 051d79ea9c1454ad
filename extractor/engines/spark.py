"""Extraction on Apache Spark: the single-machine run's labelling (`pipeline.label_rows`) applied on executors.

Two entry points:
- `label_dataframe(df, ...)`: a data team's own PySpark job labels a DataFrame; one output row per input row.
- `SparkLabeller`: what `journey extract --engine spark` hands `run_extraction`: the project's readers run on the
  driver (so item ids and origins are the single-machine run's), the batches are labelled on Spark, and the driver
  writes records and errors in input order exactly as the single-machine run does (and resumes the same way).

Each Python worker builds its extractor once (`ExtractorSpec.build`, cached per worker process) and labels its
partition a batch at a time; nothing is pickled per row but the row itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import warnings
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import UsageError
from .columns import RECORD_DDL
from ..extractors import Extractor, make_extractor
from ..ingest.fields import FieldError
from ..ingest.items import ItemBuilder
from ..ingest.options import InputError, ReadOptions
from ..pipeline import LabelledBatch, batches, label_rows
from ..taxonomy import Taxonomy, load_taxonomy

SPARK_EXTRACTORS = ("rules", "keyword", "learned")
OUTPUT_COLUMNS = ("item_id", "origin", "record", "error")
_BUILT: dict[str, Extractor] = {}  # on a worker: the extractors built so far, by ExtractorSpec.key


class SparkMissing(UsageError):
    """PySpark or the Java runtime Spark needs is not installed."""


def require_spark() -> None:
    """Fail with what to install when pyspark or Java is missing (instead of a traceback from deep in Spark)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkMissing("--engine spark needs PySpark: pip install 'journey-extractor[spark]' "
                           "(or pip install 'pyspark>=4.0,<5')") from None
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and Path(java_home, "bin", "java").exists()) and shutil.which("java") is None:
        raise SparkMissing("--engine spark needs a Java runtime (17 or 21) and found none: install one "
                           "(Debian/Ubuntu: apt-get install default-jre-headless; macOS: brew install openjdk@17) "
                           "or set JAVA_HOME")


MASTER_URL = re.compile(r"local(\[(\d+|\*)(,\d+)?\])?|local-cluster\[.+\]|yarn|(spark|k8s|mesos)://.+")


def check_master(master: str) -> None:
    """A master URL Spark takes, checked before the JVM starts (it would print its own stack trace)."""
    if not MASTER_URL.fullmatch(master):
        raise UsageError(f"--spark-master {master!r} is not a Spark master URL: use local[2], local[*], yarn, "
                         "spark://HOST:7077 or k8s://https://HOST:PORT")


def spark_session(master: str = "local[*]", app_name: str = "journey-extract"):
    """A SparkSession (the running one if there is one), quiet on the console; workers use this Python."""
    check_master(master)
    require_spark()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")  # its notes on pandas versions
    from pyspark.sql import SparkSession

    try:
        session = (SparkSession.builder.master(master).appName(app_name)
                   .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                   .getOrCreate())
    except Exception as exc:  # noqa: BLE001 - the JVM did not start: say so in one line
        raise SparkMissing(f"Spark did not start ({type(exc).__name__}: {str(exc).splitlines()[0][:300]}); "
                           "check the Java runtime (java -version: 17 or 21) and --spark-master") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


@dataclass(frozen=True)
class ExtractorSpec:
    """How a worker builds the extractor: its name, the taxonomy (pickled once per task, not per row) and the
    learned model folder (None: the one shipped inside the package, so it travels with the wheel)."""

    name: str = "rules"
    taxonomy: Taxonomy = field(default_factory=load_taxonomy)
    learned_model: str | None = None

    def __post_init__(self) -> None:
        if self.name not in SPARK_EXTRACTORS:
            raise UsageError(f"the Spark engine runs the {', '.join(SPARK_EXTRACTORS)} extractors, not "
                             f"{self.name!r}; for the llm extractor at scale see README: 'Archive scale on Spark'")

    @property
    def key(self) -> str:
        """What the extractor is made of: the same key, the same extractor (so jobs in one session share it)."""
        content = f"{self.name}\n{self.learned_model}\n{self.taxonomy.model_dump_json()}"
        return hashlib.blake2b(content.encode("utf-8"), digest_size=16).hexdigest()

    def build(self) -> Extractor:
        """This worker's extractor, built on first use and kept for the worker's next tasks (the last one only)."""
        key = self.key
        extractor = _BUILT.get(key)
        if extractor is None:
            model = Path(self.learned_model) if self.learned_model else None
            extractor = make_extractor(self.name, self.taxonomy, learned_model=model)
            _BUILT.clear()
            _BUILT[key] = extractor
        return extractor


def label_task(spec: ExtractorSpec, tasks: Iterable[list[list[tuple]]]) -> Iterator[LabelledBatch]:
    """A partition's work: each task's batches of tagged rows through the same `label_rows` the local run uses."""
    extractor = spec.build()
    for task in tasks:
        for batch in task:
            yield label_rows(extractor, batch)


class SparkLabeller:
    """A `pipeline.Labeller` on Spark: tasks of `batches_per_task` batches, sent in waves of `tasks_per_wave`
    tasks with the next wave running while the driver writes the last; results come back in input order."""

    def __init__(self, session, spec: ExtractorSpec, batches_per_task: int = 32, tasks_per_wave: int = 0):
        self.context = session.sparkContext
        self.spec = spec
        self.batches_per_task = batches_per_task  # 32 x 256 rows: measured faster than 4 or 8 (task overhead)
        # two tasks per core, at most 32 a wave: two waves in flight hold at most 2 x 32 tasks' rows on the driver
        self.tasks_per_wave = tasks_per_wave or min(32, 2 * self.context.defaultParallelism)

    def _run_wave(self, tasks: list[list[list[tuple]]]) -> list[LabelledBatch]:
        spec = self.spec
        rdd = self.context.parallelize(tasks, len(tasks))
        return rdd.mapPartitions(lambda part: label_task(spec, part)).collect()

    def __call__(self, rows: Iterator[list[tuple]]) -> Iterator[LabelledBatch]:
        tasks = batches(rows, self.batches_per_task)
        pending: deque[Future] = deque()
        with ThreadPoolExecutor(max_workers=2) as pool:
            try:
                for wave in batches(tasks, self.tasks_per_wave):
                    pending.append(pool.submit(self._run_wave, wave))
                    if len(pending) >= 2:
                        yield from pending.popleft().result()
                while pending:
                    yield from pending.popleft().result()
            finally:
                if pending:  # interrupted: stop what still runs, so the command ends now
                    self.context.cancelAllJobs()


# -- a user's own DataFrame -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameColumns:
    """Which columns of a user's DataFrame hold what, and the name its rows' origins carry ('NAME:ROW')."""

    columns: tuple[str, ...]
    options: ReadOptions
    name: str


FrameRow = tuple[str | None, str, str | None, str | None]  # item_id, origin, record, error


def label_rows_of_frame(spec: ExtractorSpec, frame: FrameColumns,
                        rows: Iterable[tuple[Any, int]]) -> Iterator[FrameRow]:
    """A partition of (Row, index) pairs as (item_id, origin, record JSON, error JSON) rows, in order."""
    builder = ItemBuilder(frame.name, frame.options, json_escapes=False)
    builder.use_fields(list(frame.columns), None)
    extractor = spec.build()
    tagged = ((("error", frame.name, read.to_dict()) if isinstance(read, InputError) else
               ("item", frame.name, read.__dict__))
              for read in (builder.from_record(index + 1, row.asDict()) for row, index in rows))
    for batch in batches(tagged, extractor.batch_rows):  # a batch at a time: memory flat in the partition's size
        yield from _frame_rows(batch, label_rows(extractor, batch))


def _frame_rows(batch: list[tuple], labelled: LabelledBatch) -> Iterator[FrameRow]:
    """A labelled batch as `label_dataframe`'s rows: the record line of each item, or its error line."""
    block, outcomes = labelled
    records = iter(block.split("\n"))  # JSON lines never hold a raw newline
    for (_, _, payload), (outcome, _, error) in zip(batch, outcomes):
        if outcome == "record":
            yield payload["item_id"], payload["origin"], next(records), None
        else:
            error = error or payload
            yield error.get("item_id"), f"{error['file']}:{error['line']}", None, json.dumps(error, ensure_ascii=False)


def label_dataframe(df, text_col: str = "text", id_col: str | None = None, extractor: str = "rules", *,
                    lang_col: str | None = None, source: str = "other", source_col: str | None = None,
                    customer_col: str | None = None, time_col: str | None = None, segment_col: str | None = None,
                    name: str = "dataframe", max_chars: int = 100_000, taxonomy: str | Path | None = None,
                    learned_model: str | Path | None = None):
    """Label every row of a Spark DataFrame: a DataFrame of (item_id, origin, record, error), one row per input
    row, in the input's order. `record` is the JourneyRecord as the JSON line `journey extract` writes for the
    same item (None for a row that is not an item); `error` is then the errors-file line (file, line, item_id,
    reason). Origins are 'NAME:ROW' (ROW counts from 1 in the DataFrame's order). Without `id_col` an item's id
    is the hash of its text, as in a file. Expand the records into columns with `record_columns`."""
    from pyspark.sql.types import StringType, StructField, StructType

    options = ReadOptions(text_field=text_col, id_field=id_col, lang_field=lang_col, source_field=source_col,
                          customer_field=customer_col, time_field=time_col, segment_field=segment_col,
                          default_source=source, max_chars=max_chars)  # type: ignore[arg-type]
    frame = FrameColumns(tuple(df.columns), options, name)
    try:  # a column named that the DataFrame lacks fails here, on the driver
        ItemBuilder(name, options, json_escapes=False).use_fields(list(frame.columns), None)
    except FieldError as exc:
        raise UsageError(f"label_dataframe: {exc}") from None
    spec = ExtractorSpec(extractor, load_taxonomy(taxonomy), str(learned_model) if learned_model else None)
    labelled = df.rdd.zipWithIndex().mapPartitions(lambda part: label_rows_of_frame(spec, frame, part))
    schema = StructType([StructField(column, StringType(), column != "origin") for column in OUTPUT_COLUMNS])
    return df.sparkSession.createDataFrame(labelled, schema)


def record_columns(labelled):
    """`label_dataframe`'s records as columns, one per JourneyRecord field in the contract's order (events an array
    of structs, `learned.fields` a map); the error rows are left out (`labelled.where("error IS NOT NULL")`)."""
    from pyspark.sql import functions as F

    records = labelled.where(F.col("record").isNotNull())
    return records.select(F.from_json("record", RECORD_DDL).alias("r")).select("r.*")
