"""One module per ``presspipe`` sub-command; each has ``register(subparsers)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse

from presspipe.settings import KafkaSettings, Topics


def kafka_settings(args: argparse.Namespace) -> KafkaSettings:
    return KafkaSettings.from_env(args.bootstrap_servers)


def topics_of(args: argparse.Namespace) -> Topics:
    return Topics(raw=args.raw_topic, articles=args.articles_topic, dlq=args.dlq_topic)


def global_pipeline_flags(args: argparse.Namespace) -> list[str]:
    """The global flags in the pipeline's own syntax, so ``presspipe run`` equals ``python -m pipelines.ingest``."""
    flags = ["--raw_topic", args.raw_topic, "--articles_topic", args.articles_topic, "--dlq_topic", args.dlq_topic]
    if args.bootstrap_servers:
        flags += ["--bootstrap-servers", args.bootstrap_servers]
    return flags
