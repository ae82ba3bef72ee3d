"""``presspipe connect SOURCE ...``: run a connector into the raw topic.

Each connector module under ``connectors/`` that has a command adds itself here through ``CONNECTOR_COMMANDS``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from connectors.base import ConnectorError, Progress, RawArticleProducer, run_connector
from connectors.files import FileLimits, FilesConnector
from presspipe.commands import kafka_settings, topics_of


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("connect", help="stream articles from a source into the raw topic")
    sources = parser.add_subparsers(dest="source", metavar="SOURCE")
    sources.required = True
    files = sources.add_parser("files", help=".html .htm .html.gz .txt .jsonl files and folders")
    files.add_argument("paths", nargs="+", type=Path)
    files.add_argument("--max-file-bytes", type=int, default=FileLimits.max_file_bytes)
    files.set_defaults(func=run_files)


def produce(args: argparse.Namespace, connector) -> int:
    """Run a connector to completion; print the report; exit 1 if anything failed."""
    try:
        producer = RawArticleProducer(kafka_settings(args), topics_of(args).raw)
    except ConnectorError as error:
        print(f"presspipe connect: {error}", file=sys.stderr)
        return 1
    try:
        report = run_connector(connector, producer, progress=Progress(connector.name))
    finally:
        producer.close()
    print(f"sent {report.sent}, failed sends {report.failed_sends}, fetch failures {report.fetch_failures}")
    print(json.dumps(report.as_dict()))
    return 0 if report.ok else 1


def run_files(args: argparse.Namespace) -> int:
    return produce(args, FilesConnector(args.paths, FileLimits(max_file_bytes=args.max_file_bytes)))
