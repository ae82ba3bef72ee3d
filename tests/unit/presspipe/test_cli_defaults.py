"""The command line parses its flags without importing the pipeline or the connectors, so it repeats the defaults of
the layers below; these tests keep every copy equal to its original."""

import inspect

import pytest

from presspipe.cli import build_parser
from presspipe.commands import connect, enrich
from presspipe.connectors.feeds import FeedsConnector
from presspipe.connectors.files import FileLimits
from presspipe.connectors.push import PushConfig
from presspipe.connectors.sitemaps import SitemapsConnector
from presspipe.connectors.warc import WarcLimits
from presspipe.pipelines.enrich.record import EnrichSettings


def parsed(*argv: str):
    return build_parser().parse_args(list(argv))


def default_of(function, name: str):
    return inspect.signature(function).parameters[name].default


def test_enrich_defaults_are_the_pipelines():
    assert enrich.DEFAULT_EXTRACT_TIMEOUT_MS == EnrichSettings.extract_timeout_ms
    assert enrich.DEFAULT_EXTRACT_MEMORY_MB == EnrichSettings.extract_memory_mb
    args = parsed("enrich", "page.html")
    assert (args.extract_timeout_ms, args.extract_memory_mb) == (EnrichSettings.extract_timeout_ms,
                                                                 EnrichSettings.extract_memory_mb)


def test_files_connector_default_is_the_connectors():
    assert connect.DEFAULT_MAX_FILE_BYTES == FileLimits.max_file_bytes
    assert parsed("connect", "files", "in").max_file_bytes == FileLimits.max_file_bytes


def test_warc_connector_default_is_the_connectors():
    assert parsed("connect", "warc", "in.warc.gz").max_record_bytes == WarcLimits.max_record_bytes


@pytest.mark.parametrize("source, connector", [("feed", FeedsConnector), ("sitemap", SitemapsConnector)])
def test_page_fetching_defaults_are_the_connectors(source, connector):
    args = parsed("connect", source, "https://example.test/")
    assert args.workers == default_of(connector, "workers")
    if source == "sitemap":
        assert args.max_sitemaps == default_of(connector, "max_sitemaps")


def test_push_endpoint_defaults_are_the_push_configs():
    args = parsed("connect", "http", "--port", "8080")
    flags = {"host": "host", "max_body_bytes": "max_body_bytes", "max_record_bytes": "max_record_bytes",
             "rate_limit": "rate_limit_per_s", "ack_timeout": "ack_timeout_s", "header_timeout": "header_timeout_s",
             "body_timeout": "body_timeout_s", "max_connections": "max_connections", "backlog": "backlog",
             "shutdown_timeout": "shutdown_timeout_s"}
    assert {flag: getattr(args, flag) for flag in flags} == {flag: getattr(PushConfig, field)
                                                             for flag, field in flags.items()}
