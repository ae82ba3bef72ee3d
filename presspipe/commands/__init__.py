"""One module per ``presspipe`` sub-command; each has ``register(subparsers)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse
import importlib
from types import ModuleType

from presspipe.core.settings import KafkaSettings, Topics, parse_client_option


class MissingExtraError(RuntimeError):
    """A command needs an optional dependency group (a pip "extra") that this installation lacks; exit code 2."""


def import_for(command: str, module: str, extra: str) -> ModuleType:
    """Import ``module`` for ``command``, or say which extra provides what is missing.

    Only a missing third-party module becomes :class:`MissingExtraError`; a missing presspipe module is a packaging
    bug and is raised as it is.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] == "presspipe":
            raise
        raise MissingExtraError(f"presspipe {command} needs the '{extra}' extra (missing module {error.name!r}): "
                                f"pip install 'presspipe[{extra}]'") from error


def kafka_settings(args: argparse.Namespace) -> KafkaSettings:
    """Raises ValueError for a --kafka-option that kafka-python does not take (argparse turns it into exit 2)."""
    extra = dict(parse_client_option(text) for text in getattr(args, "kafka_option", []))
    return KafkaSettings.from_env(args.bootstrap_servers, extra_options=extra)


def topics_of(args: argparse.Namespace) -> Topics:
    return Topics(raw=args.raw_topic, articles=args.articles_topic, dlq=args.dlq_topic)


def global_pipeline_flags(args: argparse.Namespace) -> list[str]:
    """The global flags in the pipeline's own syntax, so ``presspipe run`` equals ``python -m presspipe.pipelines.ingest``."""
    flags = ["--raw_topic", args.raw_topic, "--articles_topic", args.articles_topic, "--dlq_topic", args.dlq_topic]
    if args.bootstrap_servers:
        flags += ["--bootstrap-servers", args.bootstrap_servers]
    for option in getattr(args, "kafka_option", []):
        flags += ["--kafka_option", option]
    return flags
