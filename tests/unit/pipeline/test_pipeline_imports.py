"""Start-up in proportion to the run: a pipeline built without entity tagging imports nothing of the entity stack."""

import json
import subprocess
import sys

ENTITY_STACK = ("spacy", "thinc", "pycountry", "ahocorasick")

BUILD = """
import json
import sys
import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from presspipe.pipelines.ingest import build_pipeline
from presspipe.pipelines.io.kafka import PartitionRange, ReadPlan
from presspipe.pipelines.options import IngestConfig

options = PipelineOptions(sys.argv[1:])
config = IngestConfig.from_options(options)
build_pipeline(beam.Pipeline(options=PipelineOptions([])), config, ReadPlan((PartitionRange("raw", 0, 0, 10),)))
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in %r}
             | {m for m in sys.modules if m.startswith("presspipe.pipelines.enrich.entities")})))
""" % (ENTITY_STACK,)


def imported_entity_modules(tmp_path, *flags: str) -> list[str]:
    completed = subprocess.run([sys.executable, "-c", BUILD, "--output", f"avro:{tmp_path}", *flags],
                               capture_output=True, text=True, timeout=180)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_pipeline_without_entities_imports_no_entity_stack(tmp_path):
    assert imported_entity_modules(tmp_path, "--no_entities") == []


def test_pipeline_with_entities_names_the_entity_stack(tmp_path):
    """The other side of the check above: the same script does see the stack when tagging is on."""
    assert "spacy" in imported_entity_modules(tmp_path)
