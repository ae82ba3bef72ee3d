"""One module per ``presspipe`` sub-command; each has ``register(subparsers)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse

from presspipe.settings import KafkaSettings, Topics, parse_client_option


def kafka_settings(args: argparse.Namespace) -> KafkaSettings:
    """Raises ValueError for a --kafka-option that kafka-python does not take (argparse turns it into exit 2)."""
    extra = dict(parse_client_option(text) for text in getattr(args, "kafka_option", []))
    return KafkaSettings.from_env(args.bootstrap_servers, extra_options=extra)


def topics_of(args: argparse.Namespace) -> Topics:
    return Topics(raw=args.raw_topic, articles=args.articles_topic, dlq=args.dlq_topic)


def global_pipeline_flags(args: argparse.Namespace) -> list[str]:
    """The global flags in the pipeline's own syntax, so ``presspipe run`` equals ``python -m pipelines.ingest``."""
    flags = ["--raw_topic", args.raw_topic, "--articles_topic", args.articles_topic, "--dlq_topic", args.dlq_topic]
    if args.bootstrap_servers:
        flags += ["--bootstrap-servers", args.bootstrap_servers]
    for option in getattr(args, "kafka_option", []):
        flags += ["--kafka_option", option]
    return flags
