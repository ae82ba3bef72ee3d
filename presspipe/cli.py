"""The ``presspipe`` command: one console script, a sub-command per module in ``presspipe/commands/``.

Global flags (``--bootstrap-servers``, topic names) come before the sub-command and reach every command through
``args``; exit codes are 0 success, 1 run failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from presspipe.core import logs
from presspipe.core.version import __version__
from presspipe.commands import MissingExtraError, broker, connect, demo, enrich, inspect, run, topics
from presspipe.core.settings import BOOTSTRAP_ENV, Topics, parse_client_option, topic_name

COMMANDS = (demo, broker, topics, connect, run, enrich, inspect)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="presspipe", description="News article ingestion: connectors → Kafka → Beam → Avro.")
    parser.add_argument("--version", action="version", version=f"presspipe {__version__}")
    parser.add_argument("--bootstrap-servers", default=None,
                        help=f"Kafka bootstrap servers (default: ${BOOTSTRAP_ENV} or 127.0.0.1:9092)")
    parser.add_argument("--kafka-option", action="append", default=[], metavar="NAME=VALUE",
                        help="kafka-python client option (SASL/SSL), repeatable; also PRESSPIPE_KAFKA_<NAME>")
    parser.add_argument("--raw-topic", default=Topics.raw, type=topic_name)
    parser.add_argument("--articles-topic", default=Topics.articles, type=topic_name)
    parser.add_argument("--dlq-topic", default=Topics.dlq, type=topic_name)
    parser.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    parser.add_argument("--log-format", default="text", choices=("text", "json"),
                        help="json: one JSON object per log line, with its context fields")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if hasattr(args, "pipeline_args"):
        # run/replay pass every flag they do not know themselves on to the pipeline's (Beam's) option parser.
        args.pipeline_args = list(args.pipeline_args) + extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    logs.configure(args.log_level, json_lines=args.log_format == "json")
    for option in args.kafka_option:
        try:
            parse_client_option(option)
        except ValueError as error:
            parser.error(str(error))
    try:
        return args.func(args)
    except MissingExtraError as error:
        print(f"presspipe: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
