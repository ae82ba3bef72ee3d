"""The deployment files under deploy/ checked against the code they deploy.

Expectations come from the code -- the option parser, importable modules, the CLI's commands, the installed Beam
SDK and its published Flink versions, pyproject's version -- so renaming a module, a flag or a command, or
upgrading Beam without updating deploy/, fails here. Docker, Kubernetes, Flink and gcloud are not available to
the tests; this is what can be checked without them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from fnmatch import fnmatch
from pathlib import Path

import apache_beam
import pytest
import yaml
from apache_beam.options.pipeline_options import FlinkRunnerOptions, PipelineOptions

import presspipe
from presspipe.pipelines.options import PresspipeOptions
from presspipe.cli import build_parser

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
BEAM_VERSION = apache_beam.__version__
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

YAML_FILES = sorted(DEPLOY.rglob("*.yaml")) + sorted(DEPLOY.rglob("*.yml"))
JSON_FILES = sorted(DEPLOY.rglob("*.json"))
DOCKERFILES = sorted(DEPLOY.rglob("Dockerfile"))
SCRIPTS = sorted(DEPLOY.rglob("*.sh"))
TEXT_FILES = sorted(p for p in DEPLOY.rglob("*") if p.is_file()) + [REPO / ".dockerignore"]


def load_launcher():
    spec = importlib.util.spec_from_file_location("presspipe_flex_launch", DEPLOY / "dataflow" / "launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def presspipe_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    PresspipeOptions._add_argparse_args(parser)
    return parser


def yaml_documents():
    for path in YAML_FILES:
        for document in yaml.safe_load_all(path.read_text()):
            if document is not None:
                yield path, document


def walk(node, key=None):
    """(key, value) of every mapping entry, recursively."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from walk(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, key)


def image_references() -> list[tuple[Path, str]]:
    found = [(path, value) for path, document in yaml_documents() for key, value in walk(document)
             if key == "image" and isinstance(value, str)]
    for path in DOCKERFILES:
        found += [(path, match) for match in re.findall(r"^FROM\s+(\S+)", path.read_text(), re.MULTILINE)]
    return found


def test_there_is_something_to_check():
    assert YAML_FILES and JSON_FILES and DOCKERFILES and SCRIPTS
    for target in ("docker", "flink", "dataflow", "compose"):
        assert (DEPLOY / target).is_dir()
    assert (DEPLOY / "README.md").is_file()


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_yaml_parses(path):
    assert [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_json_parses(path):
    assert json.loads(path.read_text())


# -------------------------------------------------------------------------------------------------------------- images

def project_images() -> set[str]:
    """Images the project builds: ``presspipe/<name>`` defaults in the build scripts."""
    names = set()
    for path in SCRIPTS:
        names |= set(re.findall(r"(presspipe/[a-z][a-z0-9-]*):\$\{?VERSION", path.read_text()))
    return names


def flink_minor_versions() -> set[str]:
    versions = set()
    for _, image in image_references():
        if match := re.fullmatch(r"apache/beam_flink(\d+\.\d+)_job_server:.*", image):
            versions.add(match.group(1))
        if match := re.fullmatch(r"flink:(\d+\.\d+)(?:[.-].*)?", image):
            versions.add(match.group(1))
    for _, document in yaml_documents():
        if document.get("kind") == "FlinkDeployment":
            versions.add(document["spec"]["flinkVersion"].removeprefix("v").replace("_", "."))
    for path in SCRIPTS:
        versions |= set(re.findall(r"--flink_version[ =](\d+\.\d+)", path.read_text()))
    return versions


def test_every_image_reference_is_known_and_matches_the_code():
    built = project_images()
    assert built, "the build scripts name the images they build"
    for path, image in image_references():
        where = f"{path.relative_to(REPO)}: {image}"
        if match := re.fullmatch(r"apache/beam_python(\d+\.\d+)_sdk:(.+)", image):
            assert match.groups() == (PYTHON, BEAM_VERSION), f"{where}: must match Python {PYTHON} / Beam {BEAM_VERSION}"
        elif match := re.fullmatch(r"apache/beam_flink(\d+\.\d+)_job_server:(.+)", image):
            assert match.group(2) == BEAM_VERSION, where
            assert match.group(1) in FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS, where
        elif re.fullmatch(r"flink:\d+\.\d+(-java\d+)?", image):
            pass  # its version is checked against the job server's in the Flink test below
        elif match := re.fullmatch(r"gcr\.io/dataflow-templates-base/python(\d)(\d+)-template-launcher-base(:.+)?",
                                   image):
            assert f"{match.group(1)}.{match.group(2)}" == PYTHON, where
        elif re.fullmatch(r"apache/kafka:\d+\.\d+\.\d+", image):
            assert int(image.split(":")[1].split(".")[0]) >= 3, f"{where}: KRaft needs Apache Kafka 3.x or later"
        else:
            name, _, tag = image.partition(":")
            assert name in built, f"{where}: neither a known upstream image nor one deploy/ builds ({sorted(built)})"
            assert tag == presspipe.__version__, f"{where}: the project's images are tagged with its version"


def test_flink_versions_agree_and_are_published_by_beam():
    versions = flink_minor_versions()
    assert len(versions) == 1, f"Flink image, FlinkDeployment, job server and submit.sh disagree: {versions}"
    assert versions <= set(FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS)


def test_pinned_beam_sdk_in_images_matches_the_installed_one():
    for path in DOCKERFILES:
        for pinned in re.findall(r"apache-beam(?:\[[a-z,]+\])?==([\w.]+)", path.read_text()):
            assert pinned == BEAM_VERSION, f"{path.relative_to(REPO)} pins apache-beam {pinned}"


# ------------------------------------------------------------------------------------------------ modules and commands

def test_every_python_module_named_in_deploy_exists():
    modules = {m for path in TEXT_FILES for m in re.findall(r"-m\s+([A-Za-z_][\w.]*)", path.read_text())}
    assert {"presspipe.pipelines.runners", "presspipe.pipelines.ingest", "apache_beam.runners.worker.worker_pool_main"} & modules
    for module in sorted(modules):
        assert importlib.util.find_spec(module) is not None, f"python -m {module} is named in deploy/ but missing"


def test_every_repository_path_named_in_deploy_exists():
    # "kubectl exec deploy/NAME" names a Kubernetes Deployment, not a file
    paths = {p for path in TEXT_FILES
             for p in re.findall(r"(?<![\w/])(?<!exec )((?:deploy|presspipe|pipelines|schemas|connectors)/[\w./-]*\w)",
                                 path.read_text())}
    repo_paths = {p for p in paths if not p.startswith(("presspipe/worker", "presspipe/flex-launcher"))}
    assert repo_paths
    for relative in sorted(repo_paths):
        assert (REPO / relative).exists(), f"{relative} is named in deploy/ but does not exist"


def test_every_presspipe_command_named_in_deploy_exists():
    subcommands = build_parser()._subparsers._group_actions[0].choices
    command_line = re.compile(r"^[#$\s]*(?:[A-Z_]+=\S+\s+)*(?:\S*/bin/)?presspipe ([a-z]+)", re.MULTILINE)
    used = {m for path in TEXT_FILES for m in command_line.findall(path.read_text())}
    assert used
    for command in sorted(used):
        assert command in subcommands, f"presspipe {command} is named in deploy/ but the CLI has no such command"


def test_scripts_are_executable_bash():
    for path in SCRIPTS:
        assert path.read_text().startswith("#!/usr/bin/env bash"), path
        assert path.stat().st_mode & 0o111, f"{path} is not executable"
        assert "set -euo pipefail" in path.read_text(), path


def test_flink_submit_script_uses_the_portable_flink_runner_and_checkpoints_streaming():
    script = (DEPLOY / "flink" / "submit.sh").read_text()
    for flag in ("--runner FlinkRunner", "--flink_master", "--environment_type EXTERNAL",
                 "--environment_type DOCKER", "--checkpointing_interval"):
        assert flag in script
    beam_flags = set(PipelineOptions([]).get_all_options(retain_unknown_options=False))
    for flag in ("flink_master", "flink_version", "parallelism", "environment_type", "environment_config",
                 "job_endpoint", "sdk_location"):
        assert flag in beam_flags and f"--{flag}" in script


def test_flink_deployment_is_a_checkpointed_session_with_a_worker_pool_sidecar():
    deployments = [d for _, d in yaml_documents() if d.get("kind") == "FlinkDeployment"]
    assert len(deployments) == 1
    spec = deployments[0]["spec"]
    assert "job" not in spec, "a session cluster: jobs come through the Beam job server"
    config = spec["flinkConfiguration"]
    assert config["execution.checkpointing.interval"] and config["state.savepoints.dir"]
    containers = spec["taskManager"]["podTemplate"]["spec"]["containers"]
    pools = [c for c in containers if "--worker_pool" in c.get("args", [])]
    assert len(pools) == 1 and pools[0]["ports"][0]["containerPort"] == 50000
    assert "localhost:50000" in (DEPLOY / "flink" / "submit.sh").read_text()


def test_kustomization_lists_existing_manifests():
    kustomization = yaml.safe_load((DEPLOY / "flink" / "kustomization.yaml").read_text())
    for resource in kustomization["resources"] + kustomization.get("configurations", []):
        assert (DEPLOY / "flink" / resource).is_file(), resource


# ---------------------------------------------------------------------------------------------------------- Dockerfiles

def docker_ignored(relative: str) -> bool:
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    parts = Path(relative).parts
    return any(fnmatch(relative, p) or fnmatch(parts[0], p) or relative.startswith(p.rstrip("/") + "/")
               for p in patterns)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_dockerfile_copy_sources_exist_in_the_build_context(dockerfile):
    copies = re.findall(r"^COPY\s+(?!--from)(.+)$", dockerfile.read_text(), re.MULTILINE)
    assert copies
    for line in copies:
        *sources, _destination = line.split()
        for source in sources:
            assert (REPO / source).exists(), f"{dockerfile.relative_to(REPO)}: COPY {source} does not exist"
            assert not docker_ignored(source), f"{dockerfile.relative_to(REPO)}: COPY {source} is in .dockerignore"


def test_images_install_every_package_the_project_ships():
    """A package added to pyproject's package list but not copied into the images would be missing at run time."""
    import tomllib

    package_dirs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    packages = set(package_dirs.values())
    for dockerfile in DOCKERFILES:
        copied = {source for line in re.findall(r"^COPY\s+(?!--from)(.+)$", dockerfile.read_text(), re.MULTILINE)
                  for source in line.split()[:-1]}
        assert packages <= copied, f"{dockerfile.relative_to(REPO)} misses {packages - copied}"


def test_flex_template_entry_point_is_the_copied_launcher():
    dockerfile = (DEPLOY / "dataflow" / "Dockerfile").read_text()
    entry = re.search(r"FLEX_TEMPLATE_PYTHON_PY_FILE=(\S+)", dockerfile).group(1)
    workdir = re.search(r"^WORKDIR\s+(\S+)", dockerfile, re.MULTILINE).group(1)
    destinations = {str(Path(workdir) / line.split()[-1]).replace("/./", "/")
                    for line in re.findall(r"^COPY\s+(?!--from)(.+)$", dockerfile, re.MULTILINE)}
    assert entry in destinations


# ---------------------------------------------------------------------------------------------- Flex Template metadata

def metadata_parameters() -> list[dict]:
    return json.loads((DEPLOY / "dataflow" / "metadata.json").read_text())["parameters"]


def example_value(action: argparse.Action) -> tuple[str, object]:
    """A template value for ``action`` and what presspipe's parser must make of it."""
    if isinstance(action, argparse._StoreTrueAction):
        return "true", True
    if isinstance(action, argparse._AppendAction):
        return "first,second", ["first", "second"]
    if action.choices:
        return action.choices[-1], action.choices[-1]
    if action.type is int:
        return "7", 7
    if action.type is float:
        return "2.5", 2.5
    return "example", "example"


def test_metadata_parameters_are_exactly_the_pipeline_options():
    parser = presspipe_parser()
    by_option = {option: action for action in parser._actions for option in action.option_strings}
    names = [parameter["name"] for parameter in metadata_parameters()]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_]*", name), f"{name}: not a valid template parameter name"
        assert f"--{name}" in by_option, f"template parameter {name} is not a presspipe option"
    covered = {by_option[f"--{name}"].dest for name in names}
    assert covered == {action.dest for action in parser._actions}, "every pipeline option is a template parameter"


def test_metadata_json_is_what_its_generator_writes_now():
    """metadata.json is generated from the options (deploy/dataflow/generate_metadata.py): a changed flag or help
    text without a regenerated file would give the template stale parameters."""
    spec = importlib.util.spec_from_file_location("presspipe_flex_metadata",
                                                  DEPLOY / "dataflow" / "generate_metadata.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert json.loads((DEPLOY / "dataflow" / "metadata.json").read_text()) == generator.metadata(), \
        "run python deploy/dataflow/generate_metadata.py"


@pytest.mark.parametrize("parameter", metadata_parameters(), ids=lambda p: p["name"])
def test_each_parameter_as_dataflow_passes_it_reaches_the_pipeline(parameter):
    launcher = load_launcher()
    parser = presspipe_parser()
    actions = [a for a in parser._actions if f"--{parameter['name']}" in a.option_strings]
    assert actions, f"template parameter {parameter['name']} is not a presspipe option"
    action = actions[0]
    text, expected = example_value(action)
    for regex in parameter.get("regexes", []):
        assert re.fullmatch(regex, text), f"{parameter['name']}: example {text!r} fails the template's own regex"
    argv = launcher.translate([f"--{parameter['name']}={text}"])
    parsed = PipelineOptions(argv).view_as(PresspipeOptions)
    assert getattr(parsed, action.dest) == expected


def test_launcher_drops_false_flags_and_rejects_non_booleans():
    launcher = load_launcher()
    assert launcher.translate(["--no_entities=false", "--mode=bounded"]) == ["--mode=bounded"]
    with pytest.raises(launcher.TemplateParameterError):
        launcher.translate(["--no_entities=maybe"])


def test_launcher_defaults_to_dataflow_with_the_worker_image():
    launcher = load_launcher()
    argv = launcher.with_dataflow_defaults(["--mode=streaming"], {"PRESSPIPE_WORKER_IMAGE": "r/presspipe/worker:1"})
    assert "--runner=DataflowRunner" in argv and "--sdk_container_image=r/presspipe/worker:1" in argv
    kept = launcher.with_dataflow_defaults(["--runner=PortableRunner"], {})
    assert kept == ["--runner=PortableRunner"]
