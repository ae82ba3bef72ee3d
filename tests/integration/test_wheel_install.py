"""The built wheel, installed outside the checkout, is a working presspipe: one top-level package, its data files
(schemas, entity models, samples) inside it, a command line that works on the base install and names the extra a
command needs, and a real pipeline run (files connector -> Kafka -> Beam -> Avro) from that installation.

The fresh environment gets presspipe only from the wheel. Its third-party dependencies come from the test
environment's site-packages (a ``.pth`` line, so the test needs no network), and the connectors' optional
dependencies are hidden from it to stand in for ``pip install presspipe`` without extras.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from presspipe.core.version import __version__

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPOSITORY = Path(__file__).resolve().parents[2]
BASE_EXTRAS = ()  # what `pip install presspipe` installs: no extras


def _requirement_closure(name: str, extras: tuple[str, ...], seen: set[str]) -> set[str]:
    """Distribution names that installing ``name[extras]`` brings, read from the installed metadata."""
    from importlib import metadata

    from packaging.requirements import Requirement

    key = canonicalize_name(name)
    if key in seen:
        return seen
    try:
        requirements = metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        return seen
    seen.add(key)
    environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is None or any(requirement.marker.evaluate(env) for env in environments):
            _requirement_closure(requirement.name, tuple(requirement.extras), seen)
    return seen


def only_in_extras() -> tuple[set[str], set[str]]:
    """(top-level modules, distribution names) of the extras' own requirements that the base install does not
    bring, computed from the metadata, so a dependency that moves between base and extras moves here too."""
    from importlib import metadata

    from packaging.requirements import Requirement

    base = _requirement_closure("presspipe", BASE_EXTRAS, set())
    optional = {Requirement(text) for text in metadata.requires("presspipe") or []}
    distributions = {canonicalize_name(requirement.name) for requirement in optional
                     if requirement.marker is not None and "extra" in str(requirement.marker)} - base
    modules = {module for module, owners in metadata.packages_distributions().items()
               if {canonicalize_name(owner) for owner in owners} & distributions}
    return modules - {"presspipe"}, distributions


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source") / "presspipe"
    shutil.copytree(REPOSITORY, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "presspipe-output"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(source)],
                   check=True, timeout=600)
    (built,) = out.glob("presspipe-*.whl")
    return built


def dependency_view(target: Path, hidden_modules: set[str], hidden_distributions: set[str]) -> Path:
    """A folder of links to the test environment's installed packages, less presspipe and the extras: to the fresh
    environment those are simply not installed (``find_spec`` answers None, ``import`` raises)."""
    target.mkdir()
    linked_distributions = set()  # the first site-packages folder on sys.path that has a distribution wins
    for folder in [entry for entry in sys.path if entry.endswith("site-packages") and Path(entry).is_dir()]:
        for entry in Path(folder).iterdir():
            name = entry.name
            if name.endswith((".dist-info", ".egg-info")):
                distribution = canonicalize_name(name.split("-")[0])
                if distribution in hidden_distributions | {"presspipe"} | linked_distributions:
                    continue
                linked_distributions.add(distribution)
            elif name.split(".")[0] in hidden_modules | {"presspipe"} or name.startswith("__editable__") \
                    or name.endswith(".pth") or (target / name).exists():
                continue
            (target / name).symlink_to(entry)
    return target


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """A fresh virtual environment with the wheel installed and no extras; returns its bin folder and environment."""
    root = tmp_path_factory.mktemp("fresh")
    venv.EnvBuilder(with_pip=False).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    hidden_modules, hidden_distributions = only_in_extras()
    assert {"feedparser", "warcio", "protego"} <= hidden_modules, hidden_modules
    view = dependency_view(root / "dependencies", hidden_modules, hidden_distributions)
    (purelib / "zz_test_dependencies.pth").write_text(f"{view}\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, timeout=300)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    return {"bin": root / "venv" / "bin", "env": env, "cwd": root, "purelib": purelib}


def run(installed: dict, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(installed["bin"] / "presspipe"), *argv], cwd=installed["cwd"], env=installed["env"],
                          capture_output=True, text=True, timeout=timeout)


def test_wheel_has_one_top_level_package_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"presspipe", f"presspipe-{__version__}.dist-info"}
    assert "presspipe/schemas/article.avsc" in names
    assert any(name.startswith("presspipe/schemas/history/article/") for name in names)
    assert "presspipe/samples/hi-chunav-aayog.html" in names
    assert {"presspipe/broker/kafka-dist/pom.xml", "presspipe/broker/kafka-dist/log4j2.xml"} <= set(names)
    assert any(name.startswith("presspipe/pipelines/enrich/entities/models/hi_ner/") for name in names)
    assert any(name.startswith("presspipe/pipelines/enrich/entities/models/en_ner/") for name in names)
    assert "presspipe/pipelines/enrich/entities/data/organisation_heads.json" in names
    assert "presspipe/pipelines/ingest.py" in names and "presspipe/connectors/files.py" in names


def test_installed_package_is_the_wheel_not_the_checkout(installed):
    script = "import presspipe.pipelines.ingest as m, presspipe.schemas.codec as c; print(m.__file__); print(c.__file__)"
    completed = subprocess.run([str(installed["bin"] / "python"), "-c", script], cwd=installed["cwd"],
                               env=installed["env"], capture_output=True, text=True, timeout=120, check=True)
    for line in completed.stdout.split():
        assert Path(line).is_relative_to(installed["purelib"]), line


# Written for this test: a Hindi news paragraph with two people and a city for the bundled model to find.
HINDI_TEXT = ("प्रधानमंत्री नरेंद्र मोदी ने मंगलवार को नई दिल्ली में कहा कि भारत और जापान के बीच व्यापार अगले साल तक "
              "दोगुना हो जाएगा। विदेश मंत्री सुब्रह्मण्यम जयशंकर भी बैठक में मौजूद थे।\n")


def test_base_install_enriches_with_the_bundled_model(installed, tmp_path):
    page = tmp_path / "hindi.txt"
    page.write_text(HINDI_TEXT, encoding="utf-8")
    completed = run(installed, "enrich", str(page))
    assert completed.returncode == 0, completed.stderr
    article = json.loads(completed.stdout)
    assert article["language"] == "hi"
    people = {entity["text"] for entity in article["entities"] if entity["label"] == "PERSON"}
    assert "नरेंद्र मोदी" in people, article["entities"]  # only the model finds people: the gazetteer has places


@pytest.mark.parametrize("argv", [["connect", "feed", "http://127.0.0.1:9/feed.xml"],
                                  ["connect", "warc", "missing.warc.gz"]], ids=["feed", "warc"])
def test_base_install_names_the_extra_a_connector_needs(installed, argv):
    completed = run(installed, *argv)
    assert completed.returncode == 2, completed.stderr
    assert "pip install 'presspipe[connectors]'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_pipeline_runs_from_the_installed_wheel(installed, kafka_broker, topics, tmp_path):
    samples = installed["purelib"] / "presspipe" / "samples"
    flags = ["--bootstrap-servers", kafka_broker, "--raw-topic", topics.raw, "--articles-topic", topics.articles,
             "--dlq-topic", topics.dlq]
    connected = run(installed, *flags, "connect", "files", str(samples))
    assert connected.returncode == 0, connected.stderr
    out = tmp_path / "avro"
    ran = run(installed, *flags, "run", "--output", f"avro:{out}", "--no_entities", timeout=600)
    assert ran.returncode == 0, ran.stderr
    summary = json.loads(ran.stdout.strip().splitlines()[-1])
    assert summary["read"] == len([p for p in samples.iterdir() if p.suffix != ".jsonl"]) + sum(
        1 for p in samples.glob("*.jsonl") for line in p.read_text().splitlines() if line.strip())
    inspected = run(installed, "inspect", *map(str, sorted(out.glob("articles-*.avro"))))
    assert inspected.returncode == 0, inspected.stderr
    articles = [json.loads(line) for line in inspected.stdout.splitlines()]
    assert len(articles) == summary["written"] > 0
    assert {article["pipeline_version"] for article in articles} == {__version__}
