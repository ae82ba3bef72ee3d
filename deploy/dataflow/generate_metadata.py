"""Writes deploy/dataflow/metadata.json from presspipe's option parser: run it after adding or renaming a pipeline
option (tests/unit/deploy fails until the template's parameters match the parser again).

    python deploy/dataflow/generate_metadata.py
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

METADATA = Path(__file__).resolve().parent / "metadata.json"
DESCRIPTION = ("presspipe: raw news articles from Kafka → extraction, cleaning, language, entities → Avro files and "
               "Kafka; failures to the dead-letter topic. Bounded (replay a range) or streaming.")


def parameter(action: argparse.Action) -> dict:
    name = next(option[2:] for option in action.option_strings if re.fullmatch(r"--[a-z][a-z0-9_]*", option))
    label = action.dest.replace("_", " ").capitalize()
    says_default = "%(default)s" in (action.help or "")
    help_text = (action.help or label).replace("%(default)s", str(action.default))  # argparse's own expansion
    if isinstance(action, argparse._AppendAction):
        help_text += " (comma-separated list)"
    if isinstance(action, argparse._StoreTrueAction):
        help_text += " (true or false)"
    if action.choices:
        help_text += f" (one of: {', '.join(action.choices)})"
    if action.default not in (None, [], False) and not says_default:
        help_text += f". Default: {action.default}"
    entry = {"name": name, "label": label, "helpText": help_text, "isOptional": True}
    if action.choices:
        entry["regexes"] = ["^(" + "|".join(action.choices) + ")$"]
    elif isinstance(action, argparse._StoreTrueAction):
        entry["regexes"] = ["^(true|false)$"]
    elif action.type is int:
        entry["regexes"] = ["^[0-9]+$"]
    elif action.type is float:
        entry["regexes"] = ["^[0-9]+([.][0-9]+)?$"]
    return entry


def metadata() -> dict:
    from presspipe.pipelines.options import PresspipeOptions

    parser = argparse.ArgumentParser(add_help=False)
    PresspipeOptions._add_argparse_args(parser)
    return {"name": "presspipe ingest", "description": DESCRIPTION, "streaming": True,
            "supportsAtLeastOnce": True, "supportsExactlyOnce": False, "defaultStreamingMode": "AT_LEAST_ONCE",
            "parameters": [parameter(action) for action in parser._actions]}


if __name__ == "__main__":
    METADATA.write_text(json.dumps(metadata(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {METADATA}")
