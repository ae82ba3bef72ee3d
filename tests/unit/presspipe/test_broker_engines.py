"""Choosing and preparing a broker engine without starting one: the Java check, the jar cache, the data directory's
recorded ports and the combined-node settings."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from presspipe import broker
from presspipe.broker import apache_kafka
from presspipe.broker.errors import BrokerError


def fake_java(tmp_path: Path, version_line: str) -> Path:
    """An executable that answers ``-version`` like a JDK (on stderr)."""
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return java


@pytest.mark.parametrize("line, major", [('openjdk version "17.0.15" 2025-04-15', 17),
                                         ('openjdk version "21" 2023-09-19', 21),
                                         ('java version "1.8.0_392"', 8),
                                         ("no version here", None)])
def test_java_major_version(tmp_path, line, major):
    assert apache_kafka.java_major_version(fake_java(tmp_path, line)) == major


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """No Java, no Maven and an empty jar cache until a test provides them."""
    monkeypatch.setenv(apache_kafka.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(apache_kafka.shutil, "which", lambda name: None)
    return tmp_path


def test_without_java_the_default_is_tansu_and_says_why(machine):
    assert broker.default_engine() == ("tansu", "no Java found (set JAVA_HOME or put java on the PATH; "
                                                "Apache Kafka 4.x needs Java 17+)")


def test_java_11_is_too_old(machine, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(fake_java(machine, 'openjdk version "11.0.2"').parents[1]))
    engine, reason = broker.default_engine()
    assert engine == "tansu" and "is Java 11; Apache Kafka 4.x needs Java 17+" in reason


def test_java_17_needs_maven_or_cached_jars(machine, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(fake_java(machine, 'openjdk version "17.0.15"').parents[1]))
    engine, reason = broker.default_engine()
    assert engine == "tansu" and "not cached" in reason and "Maven (mvn) is not on the PATH" in reason

    libs = apache_kafka.libs_dir()
    assert libs == machine / "cache" / f"kafka-{apache_kafka.kafka_version()}" / "libs"
    libs.mkdir(parents=True)
    (libs / ".presspipe-complete").write_text("a different pom")
    assert broker.default_engine()[0] == "tansu", "jars of another pom are not the cache"
    (libs / ".presspipe-complete").write_text(hashlib.sha256(apache_kafka.pom_path().read_bytes()).hexdigest())
    assert broker.default_engine() == ("kafka", None)


def test_the_pom_pins_kafka_4_and_a_log4j2_backend():
    pom = apache_kafka.pom_path().read_text()
    versions = apache_kafka.pinned_versions()
    assert versions["kafka.version"].startswith("4.")
    for artifact in ("kafka_2.13", "log4j-slf4j2-impl", "log4j-core", "slf4j-api"):
        assert f"<artifactId>{artifact}</artifactId>" in pom


def test_a_data_directory_keeps_its_ports_and_cluster(tmp_path):
    fresh = apache_kafka.layout_for(tmp_path / "fresh", None)
    assert fresh.port != fresh.controller_port and not fresh.formatted
    assert len(fresh.cluster_id) == 22 and not fresh.cluster_id.startswith("-")

    data_dir = tmp_path / "used"
    data_dir.mkdir()
    (data_dir / apache_kafka.STATE_FILE).write_text(json.dumps({"port": 40001, "controller_port": 40002,
                                                                "cluster_id": "abcdefghijklmnopqrstuv"}))
    again = apache_kafka.layout_for(data_dir, None)
    assert (again.port, again.controller_port, again.cluster_id) == (40001, 40002, "abcdefghijklmnopqrstuv")
    moved = apache_kafka.layout_for(data_dir, 40005)
    assert (moved.port, moved.controller_port) == (40005, 40002), "the controller's endpoint is in the metadata log"


def test_a_foreign_kafka_directory_is_refused(tmp_path):
    (tmp_path / "kafka-logs").mkdir()
    with pytest.raises(BrokerError, match="not a presspipe broker directory"):
        apache_kafka.layout_for(tmp_path, None)


def test_combined_node_settings(tmp_path):
    layout = apache_kafka.NodeLayout(tmp_path, 40001, 40002, "abcdefghijklmnopqrstuv")
    settings = apache_kafka.server_properties(layout)
    assert settings["process.roles"] == "broker,controller" and settings["node.id"] == "1"
    assert settings["listeners"] == "PLAINTEXT://127.0.0.1:40001,CONTROLLER://127.0.0.1:40002"
    assert settings["controller.quorum.bootstrap.servers"] == "127.0.0.1:40002"
    assert settings["log.dirs"] == str(tmp_path / "kafka-logs")
    for key in ("offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                "transaction.state.log.min.isr", "share.coordinator.state.topic.replication.factor",
                "share.coordinator.state.topic.min.isr"):
        assert settings[key] == "1", key
    assert settings["group.initial.rebalance.delay.ms"] == "0"


def test_tansu_refuses_a_data_directory():
    with pytest.raises(BrokerError, match="keeps data in memory only"):
        broker.start_broker(engine="tansu", data_dir=Path("/nonexistent"))


def test_a_broker_that_exits_while_starting_is_reported_with_its_code_and_log(tmp_path):
    from presspipe.broker.process import free_port, spawn, wait_until_ready

    log_path = tmp_path / "broker.log"
    process = spawn(["sh", "-c", "echo 'no such listener' >&2; exit 3"], log_path, detach=False)
    with pytest.raises(BrokerError, match=f"broker exited with code 3; see {log_path}"):
        wait_until_ready(process, free_port(), log_path, timeout=30)
    assert "no such listener" in log_path.read_text()


def fake_maven(tmp_path: Path, monkeypatch, *, exit_code: int = 0) -> None:
    """An ``mvn`` on the PATH that "resolves" one Kafka jar into ``-DoutputDirectory`` (and fails with ``exit_code``)."""
    maven = tmp_path / "maven-bin" / "mvn"
    maven.parent.mkdir()
    maven.write_text("#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in -DoutputDirectory=*) out=${a#*=};; esac; done\n"
                     "mkdir -p \"$out\" && echo jar > \"$out/kafka_2.13-4.4.0.jar\"\n"
                     f"echo '[ERROR] resolution said {exit_code}'\nexit {exit_code}\n")
    maven.chmod(maven.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(apache_kafka.shutil, "which", lambda name: str(maven) if name == "mvn" else None)


def test_fetch_jars_caches_exactly_what_maven_resolved(machine, monkeypatch):
    fake_maven(machine, monkeypatch)
    libs = apache_kafka.libs_dir()
    for leftover in (libs, libs.parent / "libs.partial"):  # an older cache and an aborted run's staging
        leftover.mkdir(parents=True)
        (leftover / "kafka_2.13-3.9.0.jar").write_text("stale")
    assert apache_kafka.fetch_jars(echo=lambda line: None) == libs
    assert sorted(path.name for path in libs.iterdir()) == [".presspipe-complete", "kafka_2.13-4.4.0.jar"]
    assert apache_kafka.jars_cached()


def test_fetch_jars_fails_loudly_when_maven_fails(machine, monkeypatch):
    fake_maven(machine, monkeypatch, exit_code=1)
    with pytest.raises(BrokerError, match="Maven could not resolve the Kafka jars \\(exit 1\\)"):
        apache_kafka.fetch_jars(echo=lambda line: None)
    assert not apache_kafka.jars_cached()


def test_a_staging_folder_that_cannot_be_emptied_stops_the_fetch(machine, monkeypatch):
    """Its stale jars would otherwise join the new ones on the classpath, under a marker that vouches for them."""
    fake_maven(machine, monkeypatch)
    staging = apache_kafka.libs_dir().parent / "libs.partial"
    staging.mkdir(parents=True)
    (staging / "kafka_2.13-3.9.0.jar").write_text("stale")
    real_rmtree = apache_kafka.shutil.rmtree

    def rmtree_refused_here(path, ignore_errors=False, **options):
        if Path(path) != staging:
            return real_rmtree(path, ignore_errors=ignore_errors, **options)
        if not ignore_errors:
            raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(apache_kafka.shutil, "rmtree", rmtree_refused_here)
    with pytest.raises(BrokerError, match="cannot prepare the Kafka jar cache"):
        apache_kafka.fetch_jars(echo=lambda line: None)
    assert not apache_kafka.jars_cached()


def test_a_storage_format_that_hangs_is_a_broker_error_naming_the_log(machine, monkeypatch):
    java = machine / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\nif [ \"$1\" = -version ]; then echo 'openjdk version \"17.0.15\"' >&2; exit 0; fi\n"
                    "echo formatting; exec sleep 60\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("JAVA_HOME", str(java.parents[1]))
    libs = apache_kafka.libs_dir()
    libs.mkdir(parents=True)
    (libs / ".presspipe-complete").write_text(hashlib.sha256(apache_kafka.pom_path().read_bytes()).hexdigest())
    monkeypatch.setattr(apache_kafka, "FORMAT_TIMEOUT_S", 1.0)
    data_dir = machine / "data"
    with pytest.raises(BrokerError, match=f"did not finish within 1s; see {data_dir.resolve() / 'broker.log'}"):
        apache_kafka.prepare(data_dir, None, echo=lambda line: None)
    assert "formatting" in (data_dir / "broker.log").read_text()
