"""Avro file sinks: article and dead-letter records as Avro object container files (Beam's fastavro sink).

Knows nothing of articles beyond the schema it is given: elements are Avro datums (dicts). Each sink counts the
records it made durable under the counter name its caller gives it: the bounded sink by reading back the files Beam
finalized, the windowed sink after each file's rename.
"""

from __future__ import annotations

import hashlib
import os
import zlib

import apache_beam as beam
from apache_beam.io.avroio import WriteToAvro
from apache_beam.metrics import Metrics

from presspipe.pipelines.io import METRICS_NAMESPACE
from presspipe.schemas.codec import current_schema_json


class WriteDatumsToAvro(beam.PTransform):
    """Writes datums of one record kind under ``directory`` as ``<name>-SSSSS-of-NNNNN.avro``.

    File names depend only on the directory, the name and the shard count, so a replay of the same range into the
    same directory overwrites its earlier output instead of adding a second copy.

    The output is the final file names. With ``counter_name``, the records in those files (read back from the
    finalized files: what is durable, not what was handed to the writer) are counted under that name.
    """

    def __init__(self, directory: str, name: str, kind: str, num_shards: int = 0, counter_name: str | None = None):
        super().__init__()
        self.directory = directory
        self.name = name
        self.kind = kind
        self.num_shards = num_shards
        self.counter_name = counter_name

    def expand(self, pcoll):
        files = pcoll | "Write" >> WriteToAvro(
            os.path.join(self.directory, self.name),
            schema=current_schema_json(self.kind),
            file_name_suffix=".avro",
            num_shards=self.num_shards,
            codec="deflate",
        )
        if self.counter_name is None:
            return files
        return files | "CountDurable" >> beam.ParDo(_CountRecordsInFileFn(self.counter_name))


class _CountRecordsInFileFn(beam.DoFn):
    """Counts the records of each finalized Avro file (block headers carry the counts); passes the name on."""

    def __init__(self, counter_name: str):
        self._durable = Metrics.counter(METRICS_NAMESPACE, counter_name)

    def process(self, path: str):
        self._durable.inc(count_avro_records(path))
        yield path


def count_avro_records(path: str) -> int:
    """Records in an Avro object container file on any Beam filesystem."""
    import fastavro
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
        return sum(block.num_records for block in fastavro.block_reader(stream))


class _WriteWindowFileFn(beam.DoFn):
    """Writes one file per (window, shard, pane), atomically (temporary name, then rename), then emits the tokens
    of the records in it: they are durable only once the rename happened."""

    def __init__(self, directory: str, name: str, kind: str, sort_key, counter_name: str | None = None):
        self.directory = directory
        self.name = name
        self.kind = kind
        self.sort_key = sort_key
        self.counter_name = counter_name
        self._durable = Metrics.counter(METRICS_NAMESPACE, counter_name) if counter_name else None

    def setup(self):
        import fastavro

        self._schema = fastavro.parse_schema(current_schema_json(self.kind))

    def process(self, shard_and_elements, window=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        import fastavro
        from apache_beam.io.filesystems import FileSystems

        shard, elements = shard_and_elements
        elements = sorted(elements, key=lambda element: self.sort_key(element[0]))
        final = FileSystems.join(self.directory, window_file_name(self.name, window, shard, pane.index))
        if not FileSystems.exists(self.directory):
            FileSystems.mkdirs(self.directory)
        if FileSystems.exists(final):
            # A restarted job re-reads only what was not committed, so this pane may hold a subset of the earlier
            # file's records: replacing it would lose the committed ones. A name from the content keeps both (and a
            # retried bundle of the same records still lands on one file).
            final = final[: -len(".avro")] + f"-replay-{_content_digest(self.sort_key, elements)}.avro"
        temporary = f"{final}.tmp-{os.getpid()}"
        with FileSystems.create(temporary) as stream:
            fastavro.writer(stream, self._schema, [datum for datum, _ in elements], codec="deflate")
        FileSystems.rename([temporary], [final])
        if self._durable is not None:
            self._durable.inc(len(elements))
        for _, token in elements:
            yield token


def _content_digest(sort_key, elements) -> str:
    digest = hashlib.sha256()
    for datum, _ in elements:
        digest.update(repr(sort_key(datum)).encode())
    return digest.hexdigest()[:12]


def window_file_name(name: str, window, shard: int, pane_index: int) -> str:
    """``<name>-<window start>-<window end>-shard<NN>[-late<K>].avro``: late panes get their own files, and a pane
    written again after a restart gets ``-replay-<digest>`` (see ``_WriteWindowFileFn``)."""
    start = window.start.to_utc_datetime().strftime("%Y%m%dT%H%M%SZ")
    end = window.end.to_utc_datetime().strftime("%Y%m%dT%H%M%SZ")
    late = f"-late{pane_index}" if pane_index else ""
    return f"{name}-{start}-{end}-shard{shard:02d}{late}.avro"


class WriteWindowedAvro(beam.PTransform):
    """Streaming file sink: (datum, token) elements → windowed, sharded Avro files; outputs the tokens once durable.

    Fixed event-time windows fire when the watermark passes their end; records arriving later (up to
    ``allowed_lateness_s``) are written to a late pane's own file rather than dropped.
    """

    def __init__(self, directory: str, name: str, kind: str, window_s: int = 60, num_shards: int = 4,
                 allowed_lateness_s: int = 7 * 24 * 3600, shard_field: str = "id", counter_name: str | None = None):
        super().__init__()
        self.counter_name = counter_name
        self.directory = directory
        self.name = name
        self.kind = kind
        self.window_s = window_s
        self.num_shards = num_shards
        self.allowed_lateness_s = allowed_lateness_s
        self.shard_field = shard_field

    def expand(self, pcoll):
        from apache_beam.transforms import trigger, window

        num_shards, shard_field = self.num_shards, self.shard_field
        return (pcoll
                | "Window" >> beam.WindowInto(
                    window.FixedWindows(self.window_s),
                    trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
                    accumulation_mode=trigger.AccumulationMode.DISCARDING,
                    allowed_lateness=self.allowed_lateness_s)
                | "Shard" >> beam.Map(lambda element: (zlib.crc32(element[0][shard_field].encode()) % num_shards,
                                                       element))
                | "GroupByShard" >> beam.GroupByKey()
                | "WriteFiles" >> beam.ParDo(_WriteWindowFileFn(self.directory, self.name, self.kind,
                                                                provenance_key, self.counter_name)))


def provenance_key(datum: dict) -> tuple:
    return (datum.get("raw_topic") or "", datum.get("raw_partition") or 0, datum.get("raw_offset") or 0,
            datum.get("id") or "")
