"""``presspipe connect SOURCE ...``: run a connector into the raw topic.

Sources: ``files``, ``feed``, ``sitemap``, ``warc`` (one pass, or ``feed --interval`` polling until SIGTERM/Ctrl-C)
and ``http`` (a push endpoint serving until SIGTERM/Ctrl-C). Stateful connectors keep their SQLite state at
``--state`` (default ``$PRESSPIPE_HOME/state/<connector>.sqlite`` or ``~/.presspipe/state/<connector>.sqlite``).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

from typing import TYPE_CHECKING

from presspipe.commands import import_for, kafka_settings, topics_of
from presspipe.connectors.policy import FetchPolicy
from presspipe.connectors.state import ConnectorState, StateError, default_state_path

if TYPE_CHECKING:  # kafka-python and the connectors' optional dependencies load when a connector runs
    from presspipe.connectors.base import Connector, RawArticleProducer

# The connectors' modules import kafka-python, so the flags below repeat their defaults (FileLimits, WarcLimits,
# PushConfig, the connectors' workers and max_sitemaps); tests/unit/presspipe/test_cli_defaults.py keeps each equal.
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("connect", help="stream articles from a source into the raw topic")
    sources = parser.add_subparsers(dest="source", metavar="SOURCE")
    sources.required = True

    files = sources.add_parser("files", help=".html .htm .html.gz .txt .jsonl files and folders")
    files.add_argument("paths", nargs="+", type=Path)
    files.add_argument("--max-file-bytes", type=int, default=DEFAULT_MAX_FILE_BYTES)
    files.add_argument("--follow-symlinks", action="store_true",
                       help="follow symbolic links inside the given folders (still only to files inside them)")
    files.set_defaults(func=run_files)

    feed = sources.add_parser("feed", help="RSS/Atom feeds: fetch the page of every new entry")
    feed.add_argument("urls", nargs="+", metavar="URL")
    when = feed.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="one pass over the feeds, then exit (the default)")
    when.add_argument("--interval", type=float, metavar="SECONDS", help="poll every SECONDS until stopped")
    _add_state_flag(feed, "feed")
    _add_http_flags(feed)
    feed.set_defaults(func=run_feed)

    sitemap = sources.add_parser("sitemap", help="sitemaps, sitemap indexes and Google News sitemaps (.xml, .xml.gz)")
    sitemap.add_argument("urls", nargs="+", metavar="URL")
    sitemap.add_argument("--since", type=_iso_time, metavar="ISO",
                         help="only pages whose publication date or lastmod is at or after this time")
    sitemap.add_argument("--max-sitemaps", type=int, default=1000, help="stop following an index after N sitemaps")
    _add_state_flag(sitemap, "sitemap")
    _add_http_flags(sitemap)
    sitemap.set_defaults(func=run_sitemap)

    warc = sources.add_parser("warc", help="WARC/1.0 and 1.1 archives (.warc, .warc.gz), e.g. CC-NEWS")
    warc.add_argument("paths", nargs="+", type=Path, metavar="FILE")
    warc.add_argument("--max-record-bytes", type=int, default=10 * 1024 * 1024,
                      help="payload bytes kept per record; a longer payload is cut there and flagged truncated")
    warc.add_argument("--retry-failed", action="store_true",
                      help="read again the stretches earlier runs could not read (files 'completed with errors'); "
                           "unreadable stretches are dead-lettered to the DLQ topic (stage connect) either way")
    _add_state_flag(warc, "warc")
    warc.set_defaults(func=run_warc)

    http = sources.add_parser("http", help="an HTTP push endpoint: POST /articles, GET /healthz and /readyz")
    http.add_argument("--port", type=int, required=True)
    http.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    http.add_argument("--token-file", type=Path, help="require 'Authorization: Bearer <token in this file>'")
    http.add_argument("--max-body-bytes", type=int, default=10 * 1024 * 1024,
                      help="largest request body (inflated, for gzip bodies); must fit in --max-record-bytes")
    http.add_argument("--max-record-bytes", type=int, default=16 * 1024 * 1024,
                      help="the producer's max request size; keep it at or below the topic's max.message.bytes")
    http.add_argument("--rate-limit", type=_rate, metavar="N/s", help="requests per second per client (e.g. 5/s)")
    http.add_argument("--ack-timeout", type=float, default=15.0,
                      help="seconds to wait for the broker before answering 503 (outcome unknown, safe to retry)")
    http.add_argument("--header-timeout", type=float, default=10.0,
                      help="seconds a connection may take to send a complete request head")
    http.add_argument("--body-timeout", type=float, default=30.0, help="seconds for the whole request body")
    http.add_argument("--max-connections", type=int, default=1024, help="open connections at most (more: 503)")
    http.add_argument("--backlog", type=int, default=1024, help="listen queue of connections not yet accepted")
    http.add_argument("--shutdown-timeout", type=float, default=10.0,
                      help="on SIGTERM, seconds requests in flight get to finish before they are cut off")
    _add_state_flag(http, "http")
    http.set_defaults(func=run_http)


def _add_state_flag(parser: argparse.ArgumentParser, connector: str) -> None:
    parser.add_argument("--state", type=Path, default=None,
                        help=f"SQLite state file (default: {default_state_path(connector)})")


def _add_http_flags(parser: argparse.ArgumentParser) -> None:
    defaults = FetchPolicy()
    group = parser.add_argument_group("fetching")
    group.add_argument("--timeout", type=float, default=defaults.read_timeout_s, help="seconds per read")
    group.add_argument("--retries", type=int, default=defaults.retries)
    group.add_argument("--per-host-concurrency", type=int, default=defaults.per_host_concurrency)
    group.add_argument("--per-host-delay", type=float, default=defaults.per_host_delay_s,
                       help="seconds between request starts on one host (robots.txt Crawl-delay may raise it)")
    group.add_argument("--max-bytes", type=int, default=defaults.max_bytes, help="largest response body read")
    group.add_argument("--workers", type=int, default=8, help="pages fetched at once (across hosts)")


def _policy(args: argparse.Namespace) -> FetchPolicy:
    return FetchPolicy(read_timeout_s=args.timeout, retries=args.retries, per_host_concurrency=args.per_host_concurrency,
                       per_host_delay_s=args.per_host_delay, max_bytes=args.max_bytes)


def _iso_time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from error
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed


def _rate(text: str) -> float:
    number = text.strip().removesuffix("/s")
    try:
        value = float(number)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected N or N/s, got {text!r}") from error
    if value <= 0:
        raise argparse.ArgumentTypeError("the rate must be positive")
    return value


def _open_state(args: argparse.Namespace, connector: str) -> ConnectorState:
    return ConnectorState(args.state or default_state_path(connector))


def _producer(args: argparse.Namespace, **options) -> RawArticleProducer:
    from presspipe.connectors.base import RawArticleProducer

    return RawArticleProducer(kafka_settings(args), topics_of(args).raw, **options)


def produce(args: argparse.Namespace, connector: Connector, *, dead_letters: bool = False) -> int:
    """Run a connector to completion; print the report; exit 1 if anything failed.

    ``dead_letters``: publish the dead letters of unreadable inputs to the DLQ topic."""
    from presspipe.connectors.base import ConnectorError, Progress, run_connector

    try:
        producer = _producer(args, **({"dead_letter_topic": topics_of(args).dlq} if dead_letters else {}))
    except ConnectorError as error:
        print(f"presspipe connect: {error}", file=sys.stderr)
        return 1
    try:
        report = run_connector(connector, producer, progress=Progress(connector.name))
    finally:
        producer.close()
    _print_report(report)
    return 0 if report.ok else 1


def _print_report(report) -> None:
    print(f"sent {report.sent}, skipped {report.skipped}, failed sends {report.failed_sends}, "
          f"fetch failures {report.fetch_failures}")
    print(json.dumps(report.as_dict()))


def run_files(args: argparse.Namespace) -> int:
    from presspipe.connectors.files import FileLimits, FilesConnector

    return produce(args, FilesConnector(args.paths, FileLimits(max_file_bytes=args.max_file_bytes),
                                        follow_symlinks=args.follow_symlinks))


def run_feed(args: argparse.Namespace) -> int:
    FeedsConnector = import_for("connect feed", "presspipe.connectors.feeds", "connectors").FeedsConnector
    PoliteClient = import_for("connect feed", "presspipe.connectors.http_client", "connectors").PoliteClient
    from presspipe.connectors.base import ConnectorError, Progress, run_connector

    try:
        state = _open_state(args, "feed")
        producer = _producer(args)
    except (StateError, ConnectorError) as error:
        print(f"presspipe connect feed: {error}", file=sys.stderr)
        return 1
    stop = threading.Event()
    exit_code = 0
    with state, PoliteClient(_policy(args)) as client, _stop_on_signals(stop.set):
        try:
            while True:
                connector = FeedsConnector(args.urls, client, state, workers=args.workers)
                report = run_connector(connector, producer, progress=Progress(connector.name))
                _print_report(report)
                exit_code = 0 if report.ok else 1
                if args.interval is None or stop.wait(args.interval):
                    break
        finally:
            producer.close()
    return exit_code


def run_sitemap(args: argparse.Namespace) -> int:
    SitemapsConnector = import_for("connect sitemap", "presspipe.connectors.sitemaps", "connectors").SitemapsConnector
    PoliteClient = import_for("connect sitemap", "presspipe.connectors.http_client", "connectors").PoliteClient

    try:
        state = _open_state(args, "sitemap")
    except StateError as error:
        print(f"presspipe connect sitemap: {error}", file=sys.stderr)
        return 1
    with state, PoliteClient(_policy(args)) as client:
        return produce(args, SitemapsConnector(args.urls, client, state, since=args.since,
                                               max_sitemaps=args.max_sitemaps, workers=args.workers))


def run_warc(args: argparse.Namespace) -> int:
    warc = import_for("connect warc", "presspipe.connectors.warc", "connectors")
    WarcConnector, WarcLimits = warc.WarcConnector, warc.WarcLimits

    try:
        state = _open_state(args, "warc")
    except StateError as error:
        print(f"presspipe connect warc: {error}", file=sys.stderr)
        return 1
    with state:
        return produce(args, WarcConnector(args.paths, state, WarcLimits(max_record_bytes=args.max_record_bytes),
                                           retry_failed=args.retry_failed), dead_letters=True)


def run_http(args: argparse.Namespace) -> int:
    push = import_for("connect http", "presspipe.connectors.push", "connectors")
    PushProducer = import_for("connect http", "presspipe.connectors.push_producer", "connectors").PushProducer
    PushServer = import_for("connect http", "presspipe.connectors.push_server", "connectors").PushServer
    from presspipe.connectors.base import ConnectorError, Progress

    try:
        token = push.read_token_file(args.token_file) if args.token_file else None
    except (OSError, ValueError) as error:
        print(f"presspipe connect http: cannot read the token file: {error}", file=sys.stderr)
        return 2
    try:
        config = push.PushConfig(
            host=args.host, port=args.port, token=token, max_body_bytes=args.max_body_bytes,
            max_record_bytes=args.max_record_bytes, rate_limit_per_s=args.rate_limit, ack_timeout_s=args.ack_timeout,
            header_timeout_s=args.header_timeout, body_timeout_s=args.body_timeout,
            max_connections=args.max_connections, backlog=args.backlog, shutdown_timeout_s=args.shutdown_timeout)
    except push.PushConfigError as error:
        print(f"presspipe connect http: {error}", file=sys.stderr)
        return 2
    producer = PushProducer(kafka_settings(args), topics_of(args).raw, max_record_bytes=config.max_record_bytes,
                            ack_timeout_s=config.ack_timeout_s)
    try:
        state = _open_state(args, "http")
        producer.connect()
    except (StateError, ConnectorError) as error:
        print(f"presspipe connect http: {error}", file=sys.stderr)
        return 1
    service = push.PushService(config, producer, state, progress=Progress("http"))
    server = PushServer(service, producer)
    try:
        server.start()
    except OSError as error:
        print(f"presspipe connect http: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        producer.close()
        state.close()
        return 1
    print(f"listening on {server.address} (POST /articles, GET /healthz, GET /readyz)", flush=True)
    stop = threading.Event()
    with _stop_on_signals(stop.set):
        try:
            while not stop.wait(1.0):
                pass
        finally:
            server.stop()  # requests in flight get --shutdown-timeout to finish
            _close_producer(producer, config.shutdown_timeout_s)
            state.close()
    _print_report(service.report)
    # Rejected requests (401, 413, 429 ...) are the clients' failures; records it could not deliver are the server's.
    return 0 if service.report.failed_sends == 0 else 1


def _close_producer(producer, timeout_s: float) -> None:
    """Close after serving; a broker that is gone makes the final flush time out. Every record of a request was
    acknowledged or answered 503 and counted as a failed send already, so that is a warning, not a crash."""
    from kafka.errors import KafkaError

    try:
        producer.close(timeout_s=timeout_s)
    except KafkaError as error:
        log.warning("the producer did not close cleanly (broker unreachable?): %s", error)


class _stop_on_signals:
    """SIGTERM and SIGINT call ``stop`` (graceful: the current pass or request finishes) instead of raising."""

    def __init__(self, stop):
        self.stop = stop
        self.previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                self.previous[number] = signal.signal(number, lambda *_: self.stop())
        return self

    def __exit__(self, *exc_info) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)
