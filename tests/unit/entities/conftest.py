"""Shared, expensive fixtures: each backend is built once per test session, as a worker would."""

from __future__ import annotations

from pathlib import Path

import pytest

from presspipe.pipelines.enrich.entities import EntityConfig, build_tagger
from presspipe.pipelines.enrich.entities.gazetteer import build_gazetteer

SEEDS = Path(__file__).resolve().parents[3] / ".." / "shared" / "seeds"


@pytest.fixture(scope="session")
def gazetteer():
    return build_gazetteer()


@pytest.fixture(scope="session")
def default_tagger():
    return build_tagger(EntityConfig())


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS} (the shared data folder beside the repository)")
    return SEEDS
