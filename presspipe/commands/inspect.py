"""``presspipe inspect FILE...``: Avro container files as JSON lines (timestamps ISO-8601, bytes as text or hex)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from presspipe.schemas.records import dumps_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("inspect", help="print Avro files as JSON lines")
    parser.add_argument("files", nargs="+", type=Path)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import fastavro

    failed = 0
    for path in args.files:
        try:
            with open(path, "rb") as stream:
                for record in fastavro.reader(stream):
                    print(dumps_json(record))
        except (OSError, ValueError, EOFError) as error:
            failed += 1
            print(f"presspipe inspect: {path}: {error}", file=sys.stderr)
    return 1 if failed else 0
