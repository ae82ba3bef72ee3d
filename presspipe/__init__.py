"""presspipe: an event-driven news article ingestion pipeline (connectors → Kafka → Apache Beam → Avro).

One import namespace: ``presspipe.core`` (foundations), ``presspipe.schemas`` (contracts), ``presspipe.connectors``
(sources into Kafka), ``presspipe.pipelines`` (the Beam pipeline) and, on top, the command line
(``presspipe.cli``). Importing this package imports nothing else, so every layer can import its foundations cheaply.
"""

from presspipe.core.version import __version__

__all__ = ["__version__"]
