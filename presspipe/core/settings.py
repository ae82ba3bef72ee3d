"""Kafka connection settings shared by connectors, the pipeline's IO and the CLI.

One frozen dataclass maps the user's flags and environment onto kafka-python keyword arguments, so SASL/SSL
settings reach every client the same way and secrets are never part of a log line (``__repr__`` masks them).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092"
BOOTSTRAP_ENV = "PRESSPIPE_BOOTSTRAP_SERVERS"

# kafka-python keyword arguments a user may pass through (PRESSPIPE_KAFKA_<NAME> or --kafka-option name=value).
PASS_THROUGH_OPTIONS = (
    "security_protocol",
    "sasl_mechanism",
    "sasl_plain_username",
    "sasl_plain_password",
    "sasl_kerberos_service_name",
    "ssl_cafile",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_password",
    "ssl_check_hostname",
    "client_id",
    "request_timeout_ms",
    "api_version",
)
SECRET_OPTIONS = frozenset({"sasl_plain_password", "ssl_password"})


_TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")


def topic_name(text: str) -> str:
    """``text`` if Kafka accepts it as a topic name (its own rule), else ValueError.

    Checked where the name enters (flags, config), because kafka-python only rejects it at the first send, deep
    inside a running pipeline."""
    if not _TOPIC_NAME.fullmatch(text) or text in (".", ".."):
        raise ValueError(f"invalid Kafka topic name {text!r}: 1 to 249 of A-Z a-z 0-9 . _ - (and not '.' or '..')")
    return text


@dataclass(frozen=True)
class Topics:
    """The three topics of the pipeline's contract (names configurable, see the brief)."""

    raw: str = "articles.raw"
    articles: str = "articles.enriched"
    dlq: str = "articles.dlq"

    def __post_init__(self) -> None:
        for name in (self.raw, self.articles, self.dlq):
            topic_name(name)


@dataclass(frozen=True)
class KafkaSettings:
    """Where the cluster is and how to authenticate; immutable and picklable into Beam workers."""

    bootstrap_servers: str = DEFAULT_BOOTSTRAP_SERVERS
    client_options: tuple[tuple[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        unknown = [name for name, _ in self.client_options if name not in PASS_THROUGH_OPTIONS]
        if unknown:
            raise ValueError(f"unsupported Kafka client option(s): {', '.join(sorted(unknown))}")

    @classmethod
    def from_env(cls, bootstrap_servers: str | None = None, environ: Mapping[str, str] | None = None,
                 extra_options: Mapping[str, Any] | None = None) -> "KafkaSettings":
        """Flags win over PRESSPIPE_BOOTSTRAP_SERVERS, which wins over the default 127.0.0.1:9092."""
        env = os.environ if environ is None else environ
        options: dict[str, Any] = {}
        for name in PASS_THROUGH_OPTIONS:
            value = env.get(f"PRESSPIPE_KAFKA_{name.upper()}")
            if value is not None:
                options[name] = _coerce(value)
        options.update(extra_options or {})
        return cls(
            bootstrap_servers=bootstrap_servers or env.get(BOOTSTRAP_ENV) or DEFAULT_BOOTSTRAP_SERVERS,
            client_options=tuple(sorted(options.items())),
        )

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments common to KafkaProducer, KafkaConsumer and KafkaAdminClient."""
        return {"bootstrap_servers": self.bootstrap_servers.split(","), **dict(self.client_options)}

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={'***' if name in SECRET_OPTIONS else value!r}" for name, value in self.client_options
        )
        return f"KafkaSettings(bootstrap_servers={self.bootstrap_servers!r}, client_options=({shown}))"


def _coerce(value: str) -> Any:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if value.isdigit():
        return int(value)
    return value


def parse_client_option(text: str) -> tuple[str, Any]:
    """``name=value`` from the command line → a (name, value) pair, validated against the pass-through list."""
    name, separator, value = text.partition("=")
    if not separator or name not in PASS_THROUGH_OPTIONS:
        raise ValueError(f"expected NAME=VALUE with NAME one of {', '.join(PASS_THROUGH_OPTIONS)}; got {text!r}")
    return name, _coerce(value)

