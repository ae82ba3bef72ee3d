"""The command line parses its flags without importing the pipeline, so it repeats a few defaults of the layers
below; these tests keep the copies equal to the originals."""

from presspipe.commands import connect, enrich
from presspipe.connectors.files import FileLimits
from presspipe.pipelines.enrich.record import EnrichSettings


def test_enrich_defaults_are_the_pipelines():
    assert enrich.DEFAULT_EXTRACT_TIMEOUT_MS == EnrichSettings.extract_timeout_ms
    assert enrich.DEFAULT_EXTRACT_MEMORY_MB == EnrichSettings.extract_memory_mb


def test_files_connector_default_is_the_connectors():
    assert connect.DEFAULT_MAX_FILE_BYTES == FileLimits.max_file_bytes
