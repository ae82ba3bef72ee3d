"""``presspipe topics create``: the raw, articles and dead-letter topics."""

from __future__ import annotations

import argparse
import sys

from presspipe.commands import kafka_settings, topics_of


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("topics", help="manage the pipeline's topics")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    create = actions.add_parser("create", help="create the raw, articles and dead-letter topics if missing")
    create.add_argument("--partitions", type=int, default=4)
    create.add_argument("--replication-factor", type=int, default=1)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from presspipe.pipelines.io.kafka import KafkaIOError, create_topics

    topics = topics_of(args)
    try:
        created = create_topics(kafka_settings(args), [topics.raw, topics.articles, topics.dlq], args.partitions,
                                args.replication_factor)
    except KafkaIOError as error:
        print(f"presspipe topics: {error}", file=sys.stderr)
        return 1
    print(f"created: {', '.join(created) or 'none (all exist)'}")
    return 0
