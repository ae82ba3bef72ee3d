"""The foundations every layer of presspipe stands on: the version, Kafka client settings and topic names,
logging set-up and bounded decompression of untrusted bytes.

Dependencies point one way: the command line (``presspipe.cli``, ``presspipe.commands``), the connectors
(``presspipe.connectors``) and the pipeline (``presspipe.pipelines``) import from here; nothing here imports from
them, and nothing here imports Beam, Kafka clients or models.
"""
