"""Log lines with their context: the ``extra={...}`` fields (topic, partition, offset, url, stage ...) are
appended as ``key=value`` so a plain log file carries them, and JSON lines when ``--log-format json`` is chosen."""

from __future__ import annotations

import json
import logging

_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# kafka-python logs every dropped connection at ERROR; presspipe raises on the failures that matter.
QUIET_LOGGERS = {"kafka": logging.CRITICAL}
PROGRESS_LOGGER = "presspipe.progress"  # where presspipe.pipelines.progress logs; defined here so the CLI needs no Beam import


def context_of(record: logging.LogRecord) -> dict[str, object]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES}


class ContextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = context_of(record)
        return line + "".join(f" {key}={value!r}" for key, value in context.items()) if context else line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                    "message": record.getMessage(), **context_of(record)}
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str, ensure_ascii=False)


def configure(level: str = "WARNING", json_lines: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else
                         ContextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if level != "DEBUG":
        for name, quiet_level in QUIET_LOGGERS.items():
            logging.getLogger(name).setLevel(quiet_level)
    # Progress lines of long runs show at the default level; --log-level ERROR silences them.
    logging.getLogger(PROGRESS_LOGGER).setLevel(logging.INFO if logging.getLevelName(level) <= logging.WARNING
                                                else logging.getLevelName(level))
