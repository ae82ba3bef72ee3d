"""Apache Kafka as a development and test broker: one KRaft node (broker + controller) on 127.0.0.1.

No tarball and no Docker: the jars are resolved through Maven from the pinned pom beside this module
(``kafka-dist/pom.xml``: ``org.apache.kafka:kafka_2.13`` and a log4j2 backend) into
``~/.cache/presspipe/kafka-<version>/libs`` (``$PRESSPIPE_CACHE_DIR`` or ``$XDG_CACHE_HOME/presspipe`` move it), once;
later starts use the cache. The node is then started the way Kafka's ``bin/kafka-server-start.sh`` does it:
``java -cp 'libs/*' kafka.Kafka server.properties``.

A data directory holds everything of one broker: ``server.properties`` (written on every start), the formatted
storage (``kafka-logs/``, formatted once with ``kafka.tools.StorageTool format --standalone``), the ports it was
first given (``presspipe-broker.json``: the controller's endpoint is written into the metadata log at format
time, and clients that survive a restart expect the same address) and the broker's output (``broker.log``).
Starting again on the same directory keeps topics, records and committed group offsets, also after SIGKILL.

Java 17 or newer is required (Kafka 4.x); Maven only until the jars are cached.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Mapping

from presspipe.broker.errors import BrokerError, EngineUnavailableError
from presspipe.broker.process import accepts_connections, free_port

log = logging.getLogger(__name__)

MINIMUM_JAVA = 17
CACHE_DIR_ENV = "PRESSPIPE_CACHE_DIR"
STATE_FILE = "presspipe-broker.json"
STORAGE_DIR = "kafka-logs"
LOG_FILE = "broker.log"
FORMAT_TIMEOUT_S = 120.0  # StorageTool format is one short JVM run; minutes mean the machine or the JVM is stuck
_COMPLETE_MARKER = ".presspipe-complete"  # written last, holding the pom's hash: a half-copied cache is not used
_POM_NAMESPACE = {"m": "http://maven.apache.org/POM/4.0.0"}

# Heap as in bin/kafka-server-start.sh (1 GB) but starting small: several brokers may share a test machine. Only the
# C1 compiler (TieredStopAtLevel=1): a development broker starts about a fifth faster on a busy 2-core machine, and
# its peak throughput does not matter here; a cluster for load tests is configured by its operators, not by us.
DEFAULT_JVM_OPTIONS = ("-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:TieredStopAtLevel=1",
                       "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true")


def _dist_file(name: str) -> Path:
    return Path(str(resources.files("presspipe.broker").joinpath("kafka-dist", name)))


def pom_path() -> Path:
    return _dist_file("pom.xml")


def log4j2_config_path() -> Path:
    return _dist_file("log4j2.xml")


def pinned_versions() -> dict[str, str]:
    """The versions the pom pins (``kafka.version``, ``log4j.version``, ``slf4j.version``): the single source."""
    properties = ElementTree.parse(pom_path()).getroot().find("m:properties", _POM_NAMESPACE)
    return {child.tag.split("}", 1)[1]: (child.text or "").strip() for child in properties}


def kafka_version() -> str:
    return pinned_versions()["kafka.version"]


def cache_root() -> Path:
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "presspipe"


def libs_dir() -> Path:
    return cache_root() / f"kafka-{kafka_version()}" / "libs"


def _pom_hash() -> str:
    return hashlib.sha256(pom_path().read_bytes()).hexdigest()


def jars_cached() -> bool:
    marker = libs_dir() / _COMPLETE_MARKER
    return marker.is_file() and marker.read_text().strip() == _pom_hash()


# ------------------------------------------------------------------------------------------- Java and Maven


def find_java() -> Path | None:
    """``$JAVA_HOME/bin/java`` if set, else ``java`` on the PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return Path(java_home) / "bin" / "java"
    found = shutil.which("java")
    return Path(found) if found else None


def java_major_version(java: Path) -> int | None:
    """17 for ``openjdk version "17.0.15"``, 8 for ``"1.8.0_392"``; None when ``java -version`` says nothing usable."""
    try:
        completed = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', completed.stderr + completed.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_maven() -> Path | None:
    found = shutil.which("mvn")
    return Path(found) if found else None


def unavailable_reason() -> str | None:
    """Why this engine cannot run here, or None when it can (Java >= 17, and Maven or the jars already cached)."""
    java = find_java()
    if java is None:
        return "no Java found (set JAVA_HOME or put java on the PATH; Apache Kafka 4.x needs Java 17+)"
    major = java_major_version(java)
    if major is None or major < MINIMUM_JAVA:
        return f"{java} is Java {major or 'of unknown version'}; Apache Kafka 4.x needs Java {MINIMUM_JAVA}+"
    if not jars_cached() and find_maven() is None:
        return f"the Kafka jars are not cached in {libs_dir()} and Maven (mvn) is not on the PATH to fetch them"
    return None


def fetch_jars(echo: Callable[[str], None] = lambda line: print(line, file=sys.stderr)) -> Path:
    """Resolve the pinned jars into the cache, once; returns the ``libs`` directory.

    Maven reuses its local repository (``~/.m2``) and downloads what is missing from its configured repositories;
    ``echo`` receives what it downloads, so a first start shows why it takes a while.
    """
    target = libs_dir()
    if jars_cached():
        return target
    maven = find_maven()
    if maven is None:
        raise EngineUnavailableError(f"cannot fetch the Kafka jars: Maven (mvn) is not on the PATH "
                                     f"(or copy them into {target})")
    work = target.parent
    staging = work / "libs.partial"
    try:
        work.mkdir(parents=True, exist_ok=True)
        _remove_tree(staging)  # a jar left by an aborted run of another pom would join the classpath unnoticed
        shutil.copyfile(pom_path(), work / "pom.xml")
    except OSError as error:
        raise BrokerError(f"cannot prepare the Kafka jar cache in {work}: {error}") from error
    versions = pinned_versions()
    echo(f"presspipe: resolving Apache Kafka {versions['kafka.version']} (org.apache.kafka:kafka_2.13, "
         f"log4j {versions['log4j.version']}) through Maven into {target} (first use only)")
    command = [str(maven), "-B", "-f", str(work / "pom.xml"), "dependency:copy-dependencies",
               f"-DoutputDirectory={staging}", "-DincludeScope=runtime"]
    process = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    transcript, poms = [], 0
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip().removeprefix("[INFO] ")
        transcript.append(line)
        if line.startswith("Downloaded from") and ".pom " in line:
            poms += 1  # Maven's own plugin metadata: counted, not listed
        elif line.startswith("Downloaded from") or "[ERROR]" in line:
            echo("  " + line)
    if poms:
        echo(f"  (and {poms} .pom files of Maven and its dependency plugin)")
    if process.wait() != 0:
        tail = "\n".join(transcript[-25:])
        raise BrokerError(f"Maven could not resolve the Kafka jars (exit {process.returncode}): "
                          f"{' '.join(command)}\n{tail}")
    jars = sorted(staging.glob("*.jar"))
    if not any(jar.name.startswith("kafka_2.13-") for jar in jars):
        raise BrokerError(f"Maven finished but {staging} holds no kafka_2.13 jar")
    size_mb = sum(jar.stat().st_size for jar in jars) / 1e6
    try:
        (staging / _COMPLETE_MARKER).write_text(_pom_hash())
        _remove_tree(target)
        staging.rename(target)
    except OSError as error:
        raise BrokerError(f"cannot move the resolved Kafka jars into {target}: {error}") from error
    echo(f"presspipe: {len(jars)} jars ({size_mb:.0f} MB) cached in {target}")
    return target


def _remove_tree(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)


# -------------------------------------------------------------------------------------------- the data directory


@dataclass(frozen=True)
class NodeLayout:
    """One broker's data directory and the ports it answers on."""

    data_dir: Path
    port: int
    controller_port: int
    cluster_id: str

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / STORAGE_DIR

    @property
    def config_path(self) -> Path:
        return self.data_dir / "server.properties"

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_FILE

    @property
    def formatted(self) -> bool:
        return (self.storage_dir / "meta.properties").is_file()


def server_properties(layout: NodeLayout) -> dict[str, str]:
    """A combined broker + controller on 127.0.0.1 with single-node replication for the internal topics.

    Everything else is Kafka's default, so clients meet the semantics of a production cluster (1 MB records unless
    a topic raises ``max.message.bytes``, auto topic creation on, retention by time).
    """
    return {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{layout.controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{layout.port},CONTROLLER://127.0.0.1:{layout.controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{layout.port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(layout.storage_dir),
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # After a SIGKILL the restarted controller refuses the broker's new registration until the old session
        # expires (default 9 s); a shorter session makes a restart take seconds. Heartbeats stay on loopback.
        "broker.heartbeat.interval.ms": "1000",
        "broker.session.timeout.ms": "4000",
    }


def _write_properties(path: Path, properties: Mapping[str, str]) -> None:
    lines = ["# Written by presspipe on every start (presspipe/broker/apache_kafka.py); edits are overwritten."]
    lines += [f"{key}={value}" for key, value in properties.items()]
    path.write_text("\n".join(lines) + "\n")


def new_cluster_id() -> str:
    """What ``StorageTool random-uuid`` prints (a random UUID, base64url without padding; never starting with '-',
    which the command line would read as a flag), without starting a JVM for it."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not text.startswith("-"):
            return text


def layout_for(data_dir: Path, port: int | None) -> NodeLayout:
    """The layout of ``data_dir``: its recorded ports and cluster id, or new ones for a fresh directory.

    The broker port may change between starts (``port``); the controller port may not, because formatting wrote it
    into the metadata log as the only voter's endpoint.
    """
    data_dir = data_dir.resolve()
    state_path = data_dir / STATE_FILE
    if state_path.is_file():
        try:
            state = json.loads(state_path.read_text())
            recorded = NodeLayout(data_dir, int(state["port"]), int(state["controller_port"]), str(state["cluster_id"]))
        except (ValueError, KeyError, TypeError) as error:
            raise BrokerError(f"unreadable broker state {state_path}: {error}") from error
        layout = NodeLayout(data_dir, port or recorded.port, recorded.controller_port, recorded.cluster_id)
    else:
        if (data_dir / STORAGE_DIR).exists():
            raise BrokerError(f"{data_dir / STORAGE_DIR} exists but {state_path} does not: not a presspipe broker "
                              "directory (choose an empty --data-dir)")
        controller_port = free_port()
        broker_port = port or free_port()
        while broker_port == controller_port:
            controller_port = free_port()
        layout = NodeLayout(data_dir, broker_port, controller_port, new_cluster_id())
    for name, taken in (("broker", layout.port), ("controller", layout.controller_port)):
        if accepts_connections(taken):
            raise BrokerError(f"{name} port {taken} (127.0.0.1) of {data_dir} is already in use "
                              "(is this broker already running?)")
    return layout


def prepare(data_dir: Path, port: int | None, echo: Callable[[str], None]) -> tuple[NodeLayout, list[str]]:
    """Fetch the jars if needed, write the configuration, format the storage once; returns the command to run."""
    reason = unavailable_reason()
    if reason:
        raise EngineUnavailableError(f"the Apache Kafka engine cannot run here: {reason}")
    libs = fetch_jars(echo)
    layout = layout_for(data_dir, port)
    layout.data_dir.mkdir(parents=True, exist_ok=True)
    _write_properties(layout.config_path, server_properties(layout))
    (layout.data_dir / STATE_FILE).write_text(json.dumps(
        {"port": layout.port, "controller_port": layout.controller_port, "cluster_id": layout.cluster_id,
         "kafka_version": kafka_version()}, indent=1))
    java = str(find_java())
    base = [java, *_jvm_options(), f"-Dlog4j2.configurationFile={log4j2_config_path()}", "-cp", f"{libs}/*"]
    if not layout.formatted:
        command = [*base, "kafka.tools.StorageTool", "format", "--standalone", "-t", layout.cluster_id,
                   "-c", str(layout.config_path)]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=FORMAT_TIMEOUT_S)
        except subprocess.TimeoutExpired as error:
            _append_output(layout.log_path, error.stdout, error.stderr)
            raise BrokerError(f"formatting the Kafka storage in {layout.storage_dir} did not finish within "
                              f"{FORMAT_TIMEOUT_S:.0f}s; see {layout.log_path}") from error
        _append_output(layout.log_path, completed.stdout, completed.stderr)
        if completed.returncode != 0 or not layout.formatted:
            raise BrokerError(f"formatting the Kafka storage in {layout.storage_dir} failed "
                              f"(exit {completed.returncode}); see {layout.log_path}")
        log.info("formatted Kafka storage", extra={"data_dir": str(layout.data_dir), "cluster_id": layout.cluster_id})
    return layout, [*base, "kafka.Kafka", str(layout.config_path)]


def _append_output(log_path: Path, *outputs: str | bytes | None) -> None:
    with open(log_path, "a") as log_file:
        for output in outputs:
            log_file.write(output.decode(errors="replace") if isinstance(output, bytes) else output or "")


def _jvm_options() -> list[str]:
    """``KAFKA_HEAP_OPTS`` replaces the heap settings, as in Kafka's own start script."""
    heap = os.environ.get("KAFKA_HEAP_OPTS")
    options = [option for option in DEFAULT_JVM_OPTIONS if not (heap and option.startswith(("-Xms", "-Xmx")))]
    return (heap.split() if heap else []) + options
