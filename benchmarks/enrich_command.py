"""``presspipe enrich`` over a few hundred pages, whole process, against a plain ``trafilatura.extract`` process.

Both sides are fresh processes over the same files (the real news pages, then generated corpus pages), so start-up
(imports, models, the extraction worker) is part of both figures, as a user pays it. The two run alternately
``--rounds`` times; the figure is the ratio of the summed wall-clock times (CPU time, the processes' own and their
children's, is in the note). Run ``python -m benchmarks.enrich_command [--generated N] [--no-entities]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.errors import BenchError
from benchmarks.figures import Figure, Target, table

PLAIN = "plain trafilatura.extract process"
_PLAIN_LOOP = ("import sys, trafilatura\n"
               "for path in sys.argv[1:]:\n"
               "    with open(path, 'rb') as handle:\n"
               "        trafilatura.extract(handle.read())\n")


def write_pages(folder: Path, generated: int) -> list[Path]:
    """The real news pages (when present) and ``generated`` corpus pages as ``.html`` files; their paths."""
    from benchmarks.corpus import load_corpus
    from benchmarks.news_pages import NEWS_PAGES_DIR, load_news_pages

    paths = []
    if NEWS_PAGES_DIR.is_dir():
        for page in load_news_pages():
            paths.append(folder / page.name.replace("/", "_").replace(".html.gz", ".html"))
            paths[-1].write_bytes(page.html)
    for page in load_corpus(generated, 0):
        if page.content_type.startswith("text/html"):
            paths.append(folder / f"{page.name}.html")
            paths[-1].write_bytes(page.body)
    return paths


def timed(command: list[str], *, answers: int | None = None) -> tuple[float, float]:
    """Wall-clock and CPU seconds (the child and its descendants) of one command.

    A run that did not do the work is no figure: the command must exit 0, or, with ``answers``, print that many lines
    (``presspipe enrich`` answers every input, an article or its error, and exits 1 when one of them failed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = completed.stdout.count(b"\n")
    if (completed.returncode != 0 and answers is None) or (answers is not None and lines != answers):
        raise BenchError(f"{command[:4]} exited {completed.returncode} with {lines} output lines "
                         f"(expected {answers if answers is not None else 'exit 0'}): "
                         f"{completed.stderr.decode(errors='replace')[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def enrich_command_figures(paths: list[Path], *, entities: bool, rounds: int,
                           recall_safety_net: bool = True) -> list[Figure]:
    presspipe = [sys.executable, "-m", "presspipe.cli", "enrich", *(() if entities else ("--no-entities",)),
                 *(() if recall_safety_net else ("--no-recall-safety-net",)), *map(str, paths)]
    plain = [sys.executable, "-c", _PLAIN_LOOP, *map(str, paths)]
    ours_wall = ours_cpu = plain_wall = plain_cpu = 0.0
    for _ in range(rounds):
        wall, cpu = timed(plain)
        plain_wall, plain_cpu = plain_wall + wall, plain_cpu + cpu
        wall, cpu = timed(presspipe, answers=len(paths))
        ours_wall, ours_cpu = ours_wall + wall, ours_cpu + cpu
    docs = len(paths) * rounds
    name = ("enrich_command_docs_per_s" + ("" if entities else "_without_entities")
            + ("" if recall_safety_net else "_precision_only"))
    return [Figure(name, round(docs / ours_wall, 2), "docs/s", round(docs / plain_wall, 2), PLAIN,
                   Target(min_ratio=0.65),
                   note=f"{len(paths)} files, {rounds} alternating rounds, whole processes; CPU-time ratio "
                        f"{plain_cpu / ours_cpu:.2f} ({ours_cpu / rounds:.1f} vs {plain_cpu / rounds:.1f} s per round)")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generated", type=int, default=300, help="generated corpus pages added to the real ones")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-entities", action="store_true", help="run presspipe enrich with --no-entities")
    parser.add_argument("--no-recall-safety-net", action="store_true",
                        help="run presspipe enrich with --no-recall-safety-net")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="presspipe-enrich-bench-") as folder:
        paths = write_pages(Path(folder), args.generated)
        figures = enrich_command_figures(paths, entities=not args.no_entities, rounds=args.rounds,
                                         recall_safety_net=not args.no_recall_safety_net)
    for figure in figures:
        print(figure.json_line())
    print(table(figures))
    load_after = os.getloadavg()
    print(f"load average (1/5/15 min) at start {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
          f"at end {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
