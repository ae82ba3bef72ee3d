"""Kafka and file IO for Beam; knows nothing of articles.

Every IO transform counts under :data:`METRICS_NAMESPACE`; sinks count what they made durable under a counter name
their caller gives them, which is what a run's balance is checked against.
"""

METRICS_NAMESPACE = "presspipe"
