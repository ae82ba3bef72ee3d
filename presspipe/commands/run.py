"""``presspipe run`` and ``presspipe replay``: the Beam pipeline, with the same flags as ``python -m presspipe.pipelines.ingest``.

Everything after the command is passed to the pipeline's option parser, so Beam flags (``--runner``,
``--direct_num_workers`` ...) work unchanged.
"""

from __future__ import annotations

import argparse

from presspipe.commands import global_pipeline_flags


def register(subparsers: argparse._SubParsersAction) -> None:
    run_parser = subparsers.add_parser(
        "run", help="run the pipeline (--mode bounded|streaming, --from, --output avro:DIR|kafka:TOPIC, --group)",
        description="Runs the pipeline. Flags: --mode bounded|streaming, --from earliest|latest|committed, "
                    "--offsets T:P:O, --since/--until ISO, --output avro:DIR|kafka:TOPIC (repeatable), --group G, "
                    "--runner R and any Beam flag. See python -m presspipe.pipelines.ingest --help.")
    run_parser.set_defaults(pipeline_args=[])
    run_parser.set_defaults(func=run)
    replay = subparsers.add_parser("replay", help="bounded run over a time range: --since ISO [--until ISO] --output …")
    replay.add_argument("--since", required=True)
    replay.add_argument("--until", default=None)
    replay.set_defaults(pipeline_args=[])
    replay.set_defaults(func=run_replay)


def run(args: argparse.Namespace) -> int:
    from presspipe.pipelines import ingest  # Beam loads when a pipeline runs, not for every command

    return ingest.main(global_pipeline_flags(args) + list(args.pipeline_args))


def run_replay(args: argparse.Namespace) -> int:
    from presspipe.pipelines import ingest

    window = ["--mode", "bounded", "--since", args.since] + (["--until", args.until] if args.until else [])
    return ingest.main(global_pipeline_flags(args) + window + list(args.pipeline_args))
