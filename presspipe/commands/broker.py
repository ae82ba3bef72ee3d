"""``presspipe broker start|stop|status``: the embedded development broker (see presspipe/broker.py)."""

from __future__ import annotations

import argparse
import sys

from presspipe.broker import BrokerError, PidFile, start_broker, stop_broker


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("broker", help="start, stop or query the embedded dev broker (in-memory)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    start = actions.add_parser("start", help="start in the background; prints the bootstrap address")
    start.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    actions.add_parser("stop", help="stop the broker started by 'broker start'")
    actions.add_parser("status", help="print the running broker's address, exit 1 if none")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    pid_file = PidFile()
    try:
        running = pid_file.read()
        if args.action == "start":
            if running:
                print(f"already running at {running.bootstrap_servers} (pid {running.pid})")
                return 0
            handle = start_broker(args.port, detach=True)
            pid_file.write(handle)
            print(handle.bootstrap_servers)
            print(f"export PRESSPIPE_BOOTSTRAP_SERVERS={handle.bootstrap_servers}", file=sys.stderr)
            return 0
        if args.action == "stop":
            if not running:
                print("no embedded broker is running")
                return 0
            stop_broker(running)
            pid_file.remove()
            print(f"stopped broker at {running.bootstrap_servers}")
            return 0
        if running:
            print(f"running at {running.bootstrap_servers} (pid {running.pid}, log {running.log_path})")
            return 0
        print("not running")
        return 1
    except BrokerError as error:
        print(f"presspipe broker: {error}", file=sys.stderr)
        return 1
