"""``presspipe demo``: the whole path on bundled sample articles, then everything it started is stopped.

Embedded broker → topics → files connector on ``presspipe/samples/`` → bounded pipeline → Avro files and the
articles topic → summary. The broker runs in this process group and is stopped on exit, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from presspipe.core.settings import KafkaSettings, Topics

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="embedded broker + sample articles + bounded pipeline + summary")
    parser.add_argument("--output-dir", type=Path, default=Path("presspipe-output"),
                        help="where the run's Avro files go (a timestamped folder inside it)")
    parser.add_argument("--samples", type=Path, default=None, help="articles to use instead of the bundled samples")
    parser.add_argument("--engine", choices=("kafka", "tansu"), default=None,
                        help="the demo's broker: Apache Kafka (temporary data dir) or the in-memory Tansu (no JVM); "
                             "default: kafka when Java 17+ is found, else tansu")
    parser.set_defaults(func=run)


def bundled_samples() -> Path:
    return Path(str(resources.files("presspipe").joinpath("samples")))


def run(args: argparse.Namespace) -> int:
    from presspipe.broker import BrokerError, apache_kafka, default_engine, running_broker
    from presspipe.connectors.base import ConnectorError, RawArticleProducer, run_connector
    from presspipe.connectors.files import FilesConnector
    from presspipe.pipelines import ingest
    from presspipe.pipelines.io.kafka import KafkaIOError, create_topics
    from presspipe.pipelines.options import ConfigError

    samples = args.samples or bundled_samples()
    out_dir = (args.output_dir / datetime.now(timezone.utc).strftime("demo-%Y%m%dT%H%M%SZ")).resolve()
    topics = Topics()
    engine = args.engine
    if engine is None:
        # The rule of `presspipe broker start`: the demo runs on what production runs when this machine can.
        engine, reason = default_engine()
        if reason:
            print(f"using Tansu, the in-memory broker without a JVM: {reason}")
    kind = f"Apache Kafka {apache_kafka.kafka_version()}, temporary data" if engine == "kafka" else "Tansu, in memory"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)  # before the broker and the models: a bad folder fails at once
    except OSError as error:
        print(f"presspipe demo: cannot create the output folder {out_dir}: {error}", file=sys.stderr)
        return 1
    try:
        with running_broker(engine=engine) as broker, _quiet_runner_errors():
            print(f"embedded broker on {broker.bootstrap_servers} ({kind}; stopped when the demo ends)")
            settings = KafkaSettings.from_env(broker.bootstrap_servers)
            create_topics(settings, [topics.raw, topics.articles, topics.dlq], partitions=2)
            producer = RawArticleProducer(settings, topics.raw)
            try:
                report = run_connector(FilesConnector([samples], source_name="samples"), producer)
            finally:
                producer.close()
            print(f"files connector: sent {report.sent} raw articles from {samples} "
                  f"({report.fetch_failures} unreadable)")
            summary = ingest.run(["--bootstrap-servers", broker.bootstrap_servers, "--output", f"avro:{out_dir}",
                                  "--output", f"kafka:{topics.articles}"])
    except (BrokerError, ConnectorError, KafkaIOError, ConfigError, ingest.RunFailedError, OSError) as error:
        print(f"presspipe demo failed: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a worker failure, wrapped by the runner: one line, the traceback at DEBUG
        log.debug("demo failed", exc_info=True)
        print(f"presspipe demo failed: {type(error).__name__}: {error} (--log-level DEBUG shows the traceback)",
              file=sys.stderr)
        return 1
    print()
    print("demo summary")
    print(f"  records in:    {summary.read}")
    print(f"  articles out:  {summary.written}")
    print(f"  dead letters:  {summary.dead_lettered}"
          + (f" ({', '.join(f'{k}={v}' for k, v in sorted(summary.dead_letters_by_stage.items()))})"
             if summary.dead_letters_by_stage else ""))
    print(f"  languages:     {', '.join(f'{k}={v}' for k, v in sorted(summary.languages.items()))}")
    print(f"  output:        {out_dir}")
    for path in sorted(out_dir.glob("*.avro")):
        print(f"                 {path.name}")
    print(f"  look inside:   presspipe inspect {out_dir}/articles-*.avro")
    return 0 if summary.balanced else 1


class _quiet_runner_errors:
    """Beam logs a failed bundle with its whole traceback at ERROR; the demo says what failed in one line instead
    (``--log-level DEBUG`` keeps Beam's lines)."""

    LOGGER = "apache_beam.runners.common"

    def __enter__(self):
        self.logger = logging.getLogger(self.LOGGER)
        self.previous = self.logger.level
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            self.logger.setLevel(logging.CRITICAL)
        return self

    def __exit__(self, *exc_info) -> None:
        self.logger.setLevel(self.previous)
