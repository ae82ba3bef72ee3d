"""The one place the release version is written; records carry it as ``connector_version`` and ``pipeline_version``."""

__version__ = "0.1.0"
