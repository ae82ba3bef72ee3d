"""Fixtures for the enrichment tests: the shared seeds, the HTML fixtures and the golden-file switch.

Golden files are rewritten only when asked for explicitly: ``pytest tests/unit/enrich --regenerate-golden`` or
``PRESSPIPE_REGENERATE_GOLDEN=1``; otherwise a mismatch fails the test.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from presspipe.schemas.records import RawArticle, Source

REPOSITORY = Path(__file__).resolve().parents[3]
SEEDS = REPOSITORY / ".." / "shared" / "seeds"
HTML_FIXTURES = REPOSITORY / "tests" / "fixtures" / "html"
GOLDEN = REPOSITORY / "tests" / "fixtures" / "golden"
FIXED_TIME = datetime(2024, 6, 20, 12, 0, tzinfo=timezone.utc)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regenerate-golden", action="store_true", default=False,
                     help="rewrite tests/fixtures/golden/* from the current output instead of comparing")


@pytest.fixture(scope="session")
def regenerate_golden(pytestconfig: pytest.Config) -> bool:
    flag = pytestconfig.getoption("--regenerate-golden", default=False)
    return bool(flag) or os.environ.get("PRESSPIPE_REGENERATE_GOLDEN") == "1"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS} (the shared data folder beside the repository)")
    return SEEDS


def make_raw(body: bytes, content_type: str = "text/html", *, url: str | None = None, charset: str | None = None,
             hints=None) -> RawArticle:
    return RawArticle(id="test", url=url, source=Source("files", "tests"), fetched_at=FIXED_TIME,
                      content_type=content_type, body=body, charset=charset, hints=hints)
