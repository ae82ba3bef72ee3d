"""Flex Template entry point (``FLEX_TEMPLATE_PYTHON_PY_FILE``): template parameters → presspipe flags → a detached
submission to Dataflow.

Dataflow hands every template parameter over once, as ``--name=value``. presspipe's option parser has two kinds of
flags that cannot take that form as they are, so they are translated here, by introspecting the parser (a renamed or
added flag needs no change in this file):

* on/off flags (``--no_entities``): ``--no_entities=true`` → ``--no_entities``; ``false`` → left out;
* repeatable flags (``--output``, ``--offsets``, ``--kafka_option``): a comma-separated list → one flag per item.

The launcher must exit once the job is created, so the pipeline is submitted with ``presspipe.pipelines.runners.submit`` (no
waiting); workers run the presspipe worker image given at build time (``PRESSPIPE_WORKER_IMAGE``).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

TRUE_WORDS = {"true", "1", "yes"}
FALSE_WORDS = {"false", "0", "no", ""}


class TemplateParameterError(ValueError):
    """A template parameter value that presspipe's flag cannot take."""


def presspipe_parser() -> argparse.ArgumentParser:
    from presspipe.pipelines.options import PresspipeOptions

    parser = argparse.ArgumentParser(add_help=False)
    PresspipeOptions._add_argparse_args(parser)
    return parser


def flag_actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {option: action for action in parser._actions for option in action.option_strings}


def translate(argv: Sequence[str], parser: argparse.ArgumentParser | None = None) -> list[str]:
    """``--name=value`` template arguments → arguments presspipe's parser accepts; others pass through unchanged."""
    actions = flag_actions(parser or presspipe_parser())
    translated: list[str] = []
    for argument in argv:
        name, equals, value = argument.partition("=")
        action = actions.get(name) if argument.startswith("--") and equals else None
        if isinstance(action, argparse._StoreTrueAction):
            word = value.strip().lower()
            if word in TRUE_WORDS:
                translated.append(name)
            elif word not in FALSE_WORDS:
                raise TemplateParameterError(f"{name} takes true or false, got {value!r}")
        elif isinstance(action, argparse._AppendAction):
            translated.extend(f"{name}={item.strip()}" for item in value.split(",") if item.strip())
        else:
            translated.append(argument)
    return translated


def with_dataflow_defaults(argv: Sequence[str], environ: dict[str, str] | None = None) -> list[str]:
    """Dataflow runner and the presspipe worker container unless the caller chose otherwise."""
    environ = dict(os.environ) if environ is None else environ
    given = {argument.partition("=")[0] for argument in argv if argument.startswith("--")}
    extra = []
    if "--runner" not in given:
        extra.append("--runner=DataflowRunner")
    image = environ.get("PRESSPIPE_WORKER_IMAGE")
    if image and "--sdk_container_image" not in given:
        extra += [f"--sdk_container_image={image}", "--sdk_location=container"]
    return list(argv) + extra


def main(argv: Sequence[str] | None = None) -> int:
    from presspipe.pipelines.runners import main as submit_main

    try:
        arguments = with_dataflow_defaults(translate(sys.argv[1:] if argv is None else argv))
    except TemplateParameterError as error:
        print(f"presspipe flex template: {error}", file=sys.stderr)
        return 2
    return submit_main(arguments)


if __name__ == "__main__":
    sys.exit(main())
