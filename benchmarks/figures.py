"""One benchmark figure, side by side with the baseline measured in the same run, as a JSON line and a table row.

A figure's ``target`` is stated on the ratio ``value / baseline`` (``min_ratio``/``max_ratio``) or on the value
itself (``max_value``), so ``met`` is computed the same way for every figure and never hand-written.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

FIELDS = ("name", "value", "unit", "baseline", "baseline_name", "ratio", "target", "met")


@dataclass(frozen=True)
class Target:
    """What "good" means for one figure; exactly one bound is set."""

    min_ratio: float | None = None
    max_ratio: float | None = None
    max_value: float | None = None

    def describe(self, unit: str) -> str:
        if self.min_ratio is not None:
            return f">= {self.min_ratio:g}x baseline"
        if self.max_ratio is not None:
            return f"<= {self.max_ratio:g}x baseline"
        return f"< {self.max_value:g} {unit}"

    def met(self, value: float | None, ratio: float | None) -> bool | None:
        if self.max_value is not None:
            return None if value is None else value < self.max_value
        if ratio is None:
            return None
        if self.min_ratio is not None:
            return ratio >= self.min_ratio
        return ratio <= self.max_ratio


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str | None = None
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def as_dict(self) -> dict[str, object]:
        ratio = self.ratio
        return {
            "name": self.name,
            "value": _rounded(self.value),
            "unit": self.unit,
            "baseline": _rounded(self.baseline),
            "baseline_name": self.baseline_name,
            "ratio": None if ratio is None else round(ratio, 3),
            "target": self.target.describe(self.unit) if self.target else None,
            "met": self.target.met(self.value, ratio) if self.target else None,
            "note": self.note,
        }

    def json_line(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=False)


def not_available(name: str, unit: str, reason: str, target: Target | None = None) -> Figure:
    """A figure this run could not measure: value null, ``met`` null, and the reason in the note."""
    return Figure(name, None, unit, target=target, note=f"not measured: {reason}")


def _rounded(number: float | None) -> float | None:
    if number is None:
        return None
    return round(number, 3) if abs(number) < 1000 else round(number, 1)


@dataclass(frozen=True)
class Agreement:
    """How a faster implementation compares with its reference on the same inputs."""

    compared: int
    mismatches: int
    reference_seconds: float
    candidate_seconds: float


def agreement(reference: Callable[[Any], Any], candidate: Callable[[Any], Any], inputs: Iterable[Any],
              clock: Callable[[], float] = time.perf_counter) -> Agreement:
    """Run both on every input, alternately, timing each; an input whose results differ is a mismatch."""
    compared = mismatches = 0
    reference_seconds = candidate_seconds = 0.0
    for item in inputs:
        started = clock()
        expected = reference(item)
        reference_seconds += clock() - started
        started = clock()
        got = candidate(item)
        candidate_seconds += clock() - started
        mismatches += got != expected
        compared += 1
    return Agreement(compared, mismatches, reference_seconds, candidate_seconds)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation): a value that was actually observed."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def table(figures: Sequence[Figure]) -> str:
    """The human summary: one row per figure, value next to baseline, ratio and whether the target is met."""
    rows = [("figure", "value", "baseline", "ratio", "target", "met")]
    for figure in figures:
        data = figure.as_dict()
        met = {True: "yes", False: "NO", None: "-"}[data["met"]]
        value = "n/a" if data["value"] is None else f"{data['value']:g} {figure.unit}"
        baseline = "" if data["baseline"] is None else f"{data['baseline']:g} ({figure.baseline_name})"
        ratio = "" if data["ratio"] is None else f"{data['ratio']:.2f}x"
        rows.append((figure.name, value, baseline, ratio, data["target"] or "", met))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)
