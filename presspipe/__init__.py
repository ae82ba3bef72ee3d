"""presspipe: an event-driven news article ingestion pipeline (connectors → Kafka → Apache Beam → Avro)."""

__version__ = "0.1.0"
