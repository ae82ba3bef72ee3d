"""Extraction quality: presspipe's enrichment beside plain ``trafilatura.extract`` (default and ``favor_precision``).

Run with ``make bench-quality`` (``python -m benchmarks.quality``; ``--sets news-pages,fixtures`` to run fewer,
``--generated N`` for the size of the generated set). Four sets, all three systems on the same pages in the same run:

* ``news-pages``: the real article pages of ``../shared/data/news-pages`` (about 130 pages, ~27 countries, ground
  truth from the fundus crawler's test data), grouped per country. Read in place, never copied.
* ``fixtures``: the hand-written pages of ``tests/fixtures/html`` (expected paragraphs in their sidecars).
* ``generated``: pages of the benchmark corpus (:mod:`benchmarks.corpus`), whose generator records the paragraphs.
* ``seeds``: the two scraped Hindi seed texts, with the reference built from the lines their golden files keep.
  trafilatura does not read plain text (it returns nothing); its rows there are the text as scraped, unchanged.

Scoring is that of the public article-extraction benchmark: the reference body (for real pages: summary, section
headlines and paragraphs, joined by newlines) and the system's body are cut into 4-word shingles of ``\\w+`` tokens;
true/false positives and false negatives are the shared and unshared shingle counts, normalised per page so a long
page weighs what a short one does; precision and recall are averaged over the pages, and F1 is computed from those
averages. A per-page F1 is printed too (the "no page far below trafilatura" check uses it). presspipe's text is the
dateline (a field of its own in the article) followed by the body: the page shows the dateline as article text.
presspipe runs as the bounded pipeline does: per-article enrichment, then the site-level boilerplate pass over each
set (count per site over all its pages, then remove; ``--boilerplate-min-articles 0`` for per-article only).

Output: one JSON object per page and system (``figure: page``), one per set/group and system (``figure: summary``),
the pages where presspipe scores below plain trafilatura with what it lost or added (``figure: worse``), paragraphs
removed per reason (``figure: removed``), then readable tables. The fixture check of the earlier benchmark (caption
or related fragments leaking into the body, expected paragraphs found) stays, and sets the exit status.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from statistics import mean

import trafilatura

from benchmarks import language_quality
from benchmarks.news_pages import NEWS_PAGES_DIR, load_news_pages
from presspipe.pipelines.enrich.boilerplate import (
    BoilerplateSettings,
    article_fingerprints,
    boilerplate_fingerprints,
    count_fingerprints,
    remove_boilerplate,
    site_of,
)
from presspipe.pipelines.enrich.errors import EnrichmentError
from presspipe.pipelines.enrich.normalize import normalize_paragraph
from presspipe.pipelines.enrich.record import (
    EnrichSettings,
    Provenance,
    assemble_article,
    clean_document,
    declared_language_of,
    decode_document,
    detect_language,
    extract_document,
)
from presspipe.schemas.records import Article, RawArticle, Source

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURES = REPOSITORY / "tests" / "fixtures" / "html"
GOLDEN = REPOSITORY / "tests" / "fixtures" / "golden"
SHARED = REPOSITORY / ".." / "shared"
NEWS_PAGES = NEWS_PAGES_DIR
SEEDS = SHARED / "seeds"
SYSTEMS = ("presspipe", "trafilatura", "trafilatura-precision")
SETS = ("news-pages", "fixtures", "generated", "seeds")
_FIXED_TIME = datetime(2024, 1, 1, tzinfo=timezone.utc)

# --- scoring --------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")
SHINGLE_WORDS = 4


def shingles(text: str, size: int = SHINGLE_WORDS) -> Counter:
    """Counts of the ``size``-word shingles of ``text``; a text shorter than ``size`` words is one shingle."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + size]) for i in range(max(1, len(tokens) - size + 1)) if tokens[i:i + size])


@dataclass(frozen=True)
class Match:
    """Shingle true/false positives and false negatives of one page, normalised to sum to 1 (or all 0)."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float | None:
        if self.fp == self.fn == 0:
            return 1.0
        return None if self.tp + self.fp == 0 else self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        if self.fp == self.fn == 0:
            return 1.0
        return None if self.tp + self.fn == 0 else self.tp / (self.tp + self.fn)

    @property
    def f1(self) -> float:
        precision, recall = self.precision or 0.0, self.recall or 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def shingle_match(reference: str, prediction: str) -> Match:
    want, got = shingles(reference), shingles(prediction)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return Match(tp / total, fp / total, fn / total) if total else Match(0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Aggregate:
    pages: int
    precision: float
    recall: float
    f1: float
    mean_page_f1: float


def aggregate(matches: list[Match]) -> Aggregate:
    """Mean precision over pages with a prediction, mean recall over pages with a reference, F1 of the two."""
    precisions = [m.precision for m in matches if m.precision is not None]
    recalls = [m.recall for m in matches if m.recall is not None]
    precision = mean(precisions) if precisions else 0.0
    recall = mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Aggregate(len(matches), round(precision, 4), round(recall, 4), round(f1, 4),
                     round(mean(m.f1 for m in matches), 4) if matches else 0.0)


# --- cases ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One page of one set: the bytes a connector would deliver and the reference body."""

    set: str
    group: str
    name: str
    url: str | None
    content_type: str
    body: bytes
    reference: str
    fixture: dict | None = None  # the sidecar of a fixture (leak check)


def news_page_cases(root: Path = NEWS_PAGES) -> list[Case]:
    """The real pages with the ground truth :func:`benchmarks.news_pages.load_news_pages` matches to each."""
    cases = []
    for page in load_news_pages(root):
        if page.truth_body is None:
            print(f"# skipped {page.name}: no ground-truth title occurs in it", file=sys.stderr)
            continue
        country, file_name = page.name.split("/", 1)
        cases.append(Case("news-pages", country, f"{country}/{file_name.removesuffix('.html.gz')}", page.url,
                          "text/html", page.html, page.truth_body))
    return cases


def fixture_cases() -> list[Case]:
    cases = []
    for path in sorted(FIXTURES.glob("*.html")):
        expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
        cases.append(Case("fixtures", "fixtures", path.stem, None, "text/html", path.read_bytes(),
                          "\n".join(expected["paragraphs"]), fixture=expected))
    return cases


def generated_cases(count: int) -> list[Case]:
    from benchmarks.corpus import load_corpus

    return [Case("generated", page.style, page.name, page.url, page.content_type, page.body, "\n".join(page.reference))
            for page in load_corpus(count)]


def seed_cases() -> list[Case]:
    """The seeds, with the lines their golden files keep (the golden files hold line decisions, not text)."""
    cases = []
    for golden_path in sorted(GOLDEN.glob("seed_*.json")):
        golden = json.loads(golden_path.read_text(encoding="utf-8"))
        data = (SEEDS / golden["seed"]).read_bytes()
        lines = data.decode("utf-8").split("\n")
        kept = []
        for number, decision in golden["lines"]:
            if decision == "keep":
                line = lines[number - 1]
                for offset in sorted(golden["edits"].get(str(number), {}).get("insert_space_after", ()), reverse=True):
                    line = line[: offset + 1] + " " + line[offset + 1:]
                kept.append(line)
        cases.append(Case("seeds", "seeds", golden["seed"], None, "text/plain", data, "\n".join(kept)))
    return cases


# --- systems --------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    text: str
    millis: float
    article: Article | None = None
    error: str | None = None
    removed: Counter = field(default_factory=Counter)


def _text(article: Article) -> str:
    return (article.dateline + "\n" if article.dateline else "") + article.body


def run_presspipe(case: Case, settings: EnrichSettings) -> Outcome:
    """The per-article enrichment (``enrich_article``'s stages, composed the same way, keeping their counts)."""
    raw = RawArticle(id=case.name, url=case.url, source=Source("files", case.set), fetched_at=_FIXED_TIME,
                     content_type=case.content_type, body=case.body)
    started = time.perf_counter()
    try:
        extracted = extract_document(decode_document(raw, settings), url=raw.url, settings=settings)
        cleaned = clean_document(extracted, settings)
        declared = declared_language_of(raw, extracted)
        detected = detect_language(cleaned.body, declared=declared, settings=settings)
        article = assemble_article(raw, extracted, cleaned, declared=declared, detected=detected, entities=(),
                                   provenance=Provenance(), processed_at=_FIXED_TIME, pipeline_version="bench")
    except EnrichmentError as error:
        return Outcome("", (time.perf_counter() - started) * 1000, error=f"{error.stage}: {error}")
    removed = Counter({
        "caption (tree)": extracted.captions_removed, "related block (tree)": extracted.related_blocks_removed,
        "navigation block (tree)": extracted.navigation_removed,
        "caption line": cleaned.captions_removed - extracted.captions_removed,
        "related/read-also lines": cleaned.related_blocks_removed - extracted.related_blocks_removed,
        "subscriber line": cleaned.subscriber_lines_removed,
        "restored by the recall safety net (added)": extracted.paragraphs_restored,
        "standfirst shown and stated by the page (added)": int(cleaned.lead_restored),
    })
    return Outcome(_text(article), (time.perf_counter() - started) * 1000, article=article, removed=+removed)


def apply_site_boilerplate(outcomes: list[Outcome], settings: BoilerplateSettings) -> None:
    """The bounded pipeline's site pass over one set: count per site over all its articles, then remove."""
    by_site: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.article is not None:
            by_site[site_of(outcome.article)].append(outcome)
    for site_outcomes in by_site.values():
        counts = count_fingerprints((o.article.id, article_fingerprints(o.article.paragraphs, settings))
                                    for o in site_outcomes)
        table = boilerplate_fingerprints(counts, settings)
        for outcome in site_outcomes:
            article = remove_boilerplate(outcome.article, table, settings)
            if article is not outcome.article:
                outcome.removed["site boilerplate"] += article.boilerplate_removed - outcome.article.boilerplate_removed
                outcome.article, outcome.text = article, _text(article)


def run_trafilatura(case: Case, *, precision: bool) -> Outcome:
    """Plain ``trafilatura.extract`` on the page bytes; on plain text (seeds) the text as scraped."""
    started = time.perf_counter()
    if case.content_type == "text/plain":
        return Outcome(case.body.decode("utf-8"), 0.0)
    text = trafilatura.extract(case.body, favor_precision=precision) or ""
    return Outcome(text, (time.perf_counter() - started) * 1000)


# --- diagnosis ------------------------------------------------------------------------------------------------------


def _covered(paragraph: str, output: Counter) -> bool:
    """At least half of the paragraph's shingles occur in the output."""
    wanted = shingles(paragraph)
    return sum((wanted & output).values()) * 2 >= sum(wanted.values())


def explain(case: Case, mine: str, theirs: str) -> dict:
    """What presspipe lost that trafilatura kept, and what it added that trafilatura left out (paragraph level)."""
    mine_shingles, their_shingles = shingles(mine), shingles(theirs)
    reference_shingles = shingles(case.reference)
    lost = [p for p in case.reference.split("\n") if p.strip()
            and _covered(p, their_shingles) and not _covered(p, mine_shingles)]
    added = [p for p in mine.split("\n") if p.strip()
             and not _covered(p, reference_shingles) and not _covered(p, their_shingles)]
    reasons = []
    if lost:
        reasons.append(f"dropped {len(lost)} reference paragraph(s) trafilatura kept")
    if added:
        reasons.append(f"kept {len(added)} non-article paragraph(s) trafilatura left out")
    return {"reason": "; ".join(reasons) or "shingle-level differences only",
            "lost": [p[:90] for p in lost[:3]], "added": [p[:90] for p in added[:3]]}


def fixture_leaks(case: Case, body: str) -> tuple[int, float]:
    """Caption/related fragments found in the body, and the share of expected paragraphs found (fixtures only)."""
    flat = normalize_paragraph(body)
    paragraphs = [normalize_paragraph(p) for p in case.fixture["paragraphs"]]
    leaks = sum(1 for fragment in case.fixture["must_not_contain"] if normalize_paragraph(fragment) in flat)
    return leaks, sum(1 for p in paragraphs if p in flat) / len(paragraphs)


# --- report ---------------------------------------------------------------------------------------------------------


@dataclass
class Results:
    matches: dict[tuple[str, str, str], list[Match]] = field(default_factory=lambda: defaultdict(list))
    worse: list[dict] = field(default_factory=list)
    removed: Counter = field(default_factory=Counter)
    millis: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    leaks: int = 0
    paragraph_recall: list[float] = field(default_factory=list)


def evaluate(cases: list[Case], settings: EnrichSettings, results: Results,
             boilerplate: BoilerplateSettings | None) -> None:
    runs = [{"presspipe": run_presspipe(case, settings),
             "trafilatura": run_trafilatura(case, precision=False),
             "trafilatura-precision": run_trafilatura(case, precision=True)} for case in cases]
    if boilerplate is not None:
        apply_site_boilerplate([run["presspipe"] for run in runs], boilerplate)
    for case, outcomes in zip(cases, runs):
        page_matches = {}
        for system, outcome in outcomes.items():
            match = shingle_match(case.reference, outcome.text)
            page_matches[system] = match
            for group in ("ALL", case.group):
                results.matches[(case.set, group, system)].append(match)
            results.millis[f"{case.set}:{system}"].append(outcome.millis)
            print(json.dumps({"figure": "page", "set": case.set, "page": case.name, "system": system,
                              "precision": _round(match.precision), "recall": _round(match.recall),
                              "f1": round(match.f1, 4), "millis": round(outcome.millis, 2),
                              **({"error": outcome.error} if outcome.error else {})}, ensure_ascii=False))
        mine = outcomes["presspipe"]
        results.removed.update(mine.removed)
        if case.fixture is not None:
            leaks, found = fixture_leaks(case, mine.text)
            results.leaks += leaks
            results.paragraph_recall.append(found)
        if page_matches["presspipe"].f1 < page_matches["trafilatura"].f1 - 1e-9:
            results.worse.append({
                "figure": "worse", "set": case.set, "page": case.name,
                "presspipe_f1": round(page_matches["presspipe"].f1, 4),
                "trafilatura_f1": round(page_matches["trafilatura"].f1, 4),
                "delta": round(page_matches["presspipe"].f1 - page_matches["trafilatura"].f1, 4),
                **({"error": mine.error} if mine.error else explain(case, mine.text, outcomes["trafilatura"].text)),
            })


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def report(results: Results) -> int:
    summaries = {}
    for (set_name, group, system), matches in sorted(results.matches.items()):
        summary = aggregate(matches)
        summaries[(set_name, group, system)] = summary
        print(json.dumps({"figure": "summary", "set": set_name, "group": group, "system": system, **summary.__dict__}))
    for entry in sorted(results.worse, key=lambda w: w["delta"]):
        print(json.dumps(entry, ensure_ascii=False))
    print(json.dumps({"figure": "removed", **dict(results.removed)}))

    print(f"\n{'set':<11} {'group':<13} {'pages':>5}  " + "  ".join(f"{s[:21]:>21}" for s in SYSTEMS))
    print(f"{'':<11} {'':<13} {'':>5}  " + "  ".join(f"{'F1    P     R':>21}" for _ in SYSTEMS))
    groups = sorted({(k[0], k[1]) for k in summaries}, key=lambda k: (SETS.index(k[0]), k[1] != "ALL", k[1]))
    for set_name, group in groups:
        cells = []
        for system in SYSTEMS:
            s = summaries[(set_name, group, system)]
            cells.append(f"{s.f1:.3f} {s.precision:.3f} {s.recall:.3f}".rjust(21))
        pages = summaries[(set_name, group, SYSTEMS[0])].pages
        print(f"{set_name:<11} {group:<13} {pages:>5}  " + "  ".join(cells))
    print("\npages where presspipe is below plain trafilatura (F1):")
    for entry in sorted(results.worse, key=lambda w: w["delta"]):
        print(f"  {entry['set']:<10} {entry['page']:<42} {entry['presspipe_f1']:.3f} vs {entry['trafilatura_f1']:.3f}"
              f"  {entry.get('error') or entry['reason']}")
    print("\nremoved per reason (tree: blocks found in trafilatura's output; lines: paragraphs):")
    for reason, count in sorted(results.removed.items(), key=lambda item: -item[1]):
        print(f"  {reason:<45} {count:>6}")
    print("mean ms/page: " + ", ".join(f"{key} {mean(values):.1f}" for key, values in sorted(results.millis.items())))

    ok = True
    if results.paragraph_recall:
        recall = mean(results.paragraph_recall)
        fixtures_ok = results.leaks == 0 and recall >= 0.98
        print(f"\nfixture bar (0 leaks, paragraph recall >= 0.98): leaks {results.leaks}, paragraph recall {recall:.3f}: "
              f"{'met' if fixtures_ok else 'NOT met'}")
        ok = ok and fixtures_ok
    for set_name in SETS:
        if (set_name, "ALL", "presspipe") not in summaries:
            continue
        mine = summaries[(set_name, "ALL", "presspipe")].f1
        best = max(summaries[(set_name, "ALL", system)].f1 for system in SYSTEMS[1:])
        print(f"{set_name}: presspipe F1 {mine:.3f} vs best trafilatura mode {best:.3f}: "
              f"{'above' if mine > best else 'NOT above'}")
    far = [w for w in results.worse if w["delta"] < -0.1]
    print(f"pages more than 0.1 F1 below plain trafilatura: {len(far)}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated subset of {','.join(SETS)}")
    parser.add_argument("--generated", type=int, default=60, help="pages of the generated corpus")
    parser.add_argument("--boilerplate-min-articles", type=int, default=BoilerplateSettings().min_articles,
                        help="site pass over each set as the bounded pipeline runs it (0: per-article cleaning only)")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(chosen) - set(SETS)
    if unknown:
        parser.error(f"unknown set(s): {', '.join(sorted(unknown))}")
    loaders = {"news-pages": news_page_cases, "fixtures": fixture_cases,
               "generated": lambda: generated_cases(args.generated), "seeds": seed_cases}
    settings = EnrichSettings()
    # Warm-up: language profiles and date-parser tables load once per worker; time the steady state.
    warm = fixture_cases()[:3]
    for case in warm:
        run_presspipe(case, settings)
        run_trafilatura(case, precision=False)
    results = Results()
    for set_name in chosen:
        if set_name in ("news-pages", "seeds") and not SHARED.is_dir():
            print(f"# set {set_name} skipped: {SHARED} not found", file=sys.stderr)
            continue
        evaluate(loaders[set_name](), settings, results,
                 BoilerplateSettings(min_articles=args.boilerplate_min_articles) if args.boilerplate_min_articles else None)
    status = report(results)
    if "news-pages" in chosen and SHARED.is_dir():
        print()
        language_ok = language_quality.main() == 0  # languages on the real pages: benchmarks/language_quality.py
        status = status or (0 if language_ok else 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
