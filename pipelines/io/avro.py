"""Avro file sinks: article and dead-letter records as Avro object container files (Beam's fastavro sink).

Knows nothing of articles beyond the schema it is given: elements are Avro datums (dicts).
"""

from __future__ import annotations

import os

import apache_beam as beam
from apache_beam.io.avroio import WriteToAvro

from schemas.codec import current_schema_json


class WriteDatumsToAvro(beam.PTransform):
    """Writes datums of one record kind under ``directory`` as ``<name>-SSSSS-of-NNNNN.avro``.

    File names depend only on the directory, the name and the shard count, so a replay of the same range into the
    same directory overwrites its earlier output instead of adding a second copy.
    """

    def __init__(self, directory: str, name: str, kind: str, num_shards: int = 0):
        super().__init__()
        self.directory = directory
        self.name = name
        self.kind = kind
        self.num_shards = num_shards

    def expand(self, pcoll):
        return pcoll | WriteToAvro(
            os.path.join(self.directory, self.name),
            schema=current_schema_json(self.kind),
            file_name_suffix=".avro",
            num_shards=self.num_shards,
            codec="deflate",
        )
