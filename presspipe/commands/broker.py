"""``presspipe broker start|stop|status|fetch``: a development broker on 127.0.0.1 (see presspipe/broker/)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ENGINE_HELP = ("kafka: Apache Kafka (KRaft, jars through Maven, data in --data-dir); tansu: in-memory, no JVM "
               "(default: kafka when Java 17+ is found, else tansu)")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("broker", help="start, stop or query a development broker (Apache Kafka or Tansu)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    start = actions.add_parser("start", help="start in the background; prints the bootstrap address")
    start.add_argument("--engine", choices=("kafka", "tansu"), default=None, help=ENGINE_HELP)
    start.add_argument("--port", type=int, default=None,
                       help="port on 127.0.0.1 (default: the data directory's, or a free one)")
    start.add_argument("--data-dir", type=Path, default=None,
                       help="kafka: where topics, records and group offsets live (default: $PRESSPIPE_HOME/kafka, "
                            "~/.presspipe/kafka); starting again on it keeps them")
    actions.add_parser("stop", help="stop the broker started by 'broker start' (cleanly)")
    actions.add_parser("status", help="print the running broker's address, exit 1 if none")
    actions.add_parser("fetch", help="resolve the Apache Kafka jars through Maven into the cache (make test does this)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from presspipe.broker import BrokerError, EngineUnavailableError, PidFile, default_engine, default_state_dir, \
        start_broker, stop_broker
    from presspipe.broker import apache_kafka

    pid_file = PidFile()
    try:
        if args.action == "fetch":
            print(apache_kafka.fetch_jars())
            return 0
        running = pid_file.read()
        if args.action == "start":
            if running:
                print(f"already running at {running.bootstrap_servers} ({running.engine}, pid {running.pid})")
                return 0
            engine = args.engine
            if engine is None:
                engine, reason = default_engine()
                if reason:
                    print(f"presspipe broker: using Tansu (in memory): {reason}", file=sys.stderr)
            if engine == "tansu" and args.data_dir is not None:
                print("presspipe broker: the tansu engine keeps data in memory only; --data-dir needs --engine kafka",
                      file=sys.stderr)
                return 2
            data_dir = (args.data_dir or default_state_dir() / "kafka") if engine == "kafka" else None
            handle = start_broker(args.port, engine=engine, data_dir=data_dir, detach=True)
            pid_file.write(handle)
            print(handle.bootstrap_servers)
            where = f"data in {handle.data_dir}" if handle.data_dir else "in memory"
            print(f"{handle.engine} broker, pid {handle.pid}, {where}, log {handle.log_path}", file=sys.stderr)
            print(f"export PRESSPIPE_BOOTSTRAP_SERVERS={handle.bootstrap_servers}", file=sys.stderr)
            return 0
        if args.action == "stop":
            if not running:
                print("no development broker is running")
                return 0
            clean = stop_broker(running)
            pid_file.remove()
            print(f"stopped {running.engine} broker at {running.bootstrap_servers}"
                  + ("" if clean else " (it did not stop in time and was killed)"))
            return 0
        if running:
            where = f", data {running.data_dir}" if running.data_dir else ""
            print(f"running at {running.bootstrap_servers} ({running.engine}, pid {running.pid}{where}, "
                  f"log {running.log_path})")
            return 0
        print("not running")
        return 1
    except EngineUnavailableError as error:
        print(f"presspipe broker: {error}", file=sys.stderr)
        return 2
    except BrokerError as error:
        print(f"presspipe broker: {error}", file=sys.stderr)
        return 1
