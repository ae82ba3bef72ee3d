"""The Beam pipeline: ``ingest`` (entry point), ``options``, ``runners``, ``transforms``, ``guard`` (the extraction
time limit), ``io/`` (Kafka, Avro) and ``enrich/`` (the article logic, free of Beam)."""

import logging


class _BeamApitoolsNotice(logging.Filter):
    """Drops the warning Beam logs on import when the optional Google API client is absent ("apitools not found,
    and bigquery client libraries are not available"): presspipe reads no BigQuery, and the line alarmed users of
    every command. Only that record of the root logger is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "root" and str(record.msg).startswith("apitools not found"))


logging.getLogger().addFilter(_BeamApitoolsNotice())
