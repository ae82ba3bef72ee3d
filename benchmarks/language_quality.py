"""Language identification on the real news pages, against their publishers' languages: langdetect alone (before the
second opinion) and langdetect + lingua (now), with what the second opinion costs.

Run alone with ``python -m benchmarks.language_quality``; ``make bench-quality`` runs it after the extraction figures.
Reads the pages from ``../shared/data/news-pages`` (skipped, with a message, where that folder is absent). Each page is
extracted and cleaned once; then the cleaned body and the page's declared language go through
:func:`~presspipe.pipelines.enrich.language.identify_language` with ``second_opinion=False`` and ``True``.

Figures (JSON lines, then a short table): ``right``/``wrong`` out of ``pages`` for each mode, the pages that are wrong,
how many pages needed the second opinion, and timings in steady state (lingua's models loaded by a warm-up pass, each
call timed as the best of ``REPEATS``): ``langdetect_ms`` per document, ``extra_ms_consulted`` (what the second
opinion adds on a page that needs it) and ``extra_ms_per_document`` (that, averaged over all pages), plus
``lingua_cold_ms`` (a fresh process's first consulted page: importing lingua and loading the models it needs, paid
once per worker; langdetect's own first load is not in it).

The expected language is the publisher's (the edition's, for a multilingual publisher: the page's URL says which),
written in :data:`PUBLISHER_LANGUAGES` from who the publishers are, never from a detector's output.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.news_pages import NEWS_PAGES_DIR, load_news_pages
from presspipe.pipelines.enrich.errors import EnrichmentError
from presspipe.pipelines.enrich.language import (
    Candidate,
    LanguageSettings,
    default_detector,
    identify_language,
    resolve_backend,
)
from presspipe.pipelines.enrich.record import (
    EnrichSettings,
    clean_document,
    declared_language_of,
    decode_document,
    extract_document,
)
from presspipe.pipelines.enrich.second_opinion import LinguaSecondOpinion
from presspipe.schemas.records import RawArticle, Source

NEWS_PAGES = NEWS_PAGES_DIR
REPEATS = 5

#: Language of each country's publishers in the corpus, and the publishers that differ from their country's.
COUNTRY_LANGUAGES = {
    "at": "de", "au": "en", "ca": "en", "ch": "de", "cz": "cs", "de": "de", "es": "es", "fr": "fr", "id": "id",
    "il": "he", "ind": "hi", "it": "it", "jp": "ja", "kr": "ko", "mx": "es", "my": "ms", "na": "en", "no": "no",
    "pl": "pl", "tr": "tr", "tw": "zh", "tz": "sw", "ua": "uk", "uk": "en", "us": "en", "vn": "vi", "za": "en",
}
PUBLISHER_LANGUAGES = {
    "il/IsraelNachrichten": "de",        # German-language paper published in Israel
    "ind/TimesOfIndia": "en",
    "mx/MexicoNewsDaily": "en",
    "my/MalayMail": "en",                # English-language Malaysian daily
    "tw/TaipeiTimes": "en",
    "ua/Pravda": "ru",                   # Ukrainska Pravda's Russian edition (/rus/ in the page's URL)
    "za/EyethuNews": "zu",               # isiZulu weekly (KwaZulu-Natal)
    "za/Ilanga": "zu",                   # isiZulu newspaper
    "za/Isolezwe": "zu",                 # isiZulu daily
    "za/IsolezweLesiXhosa": "xh",        # its isiXhosa sister paper
}


def publisher_language(country: str, publisher: str) -> str:
    return PUBLISHER_LANGUAGES.get(f"{country}/{publisher}", COUNTRY_LANGUAGES[country])


@dataclass
class CountingOpinion:
    """lingua, counting the pages it is asked about (the benchmark's only addition to the production path)."""

    calls: int = 0
    inner: LinguaSecondOpinion = LinguaSecondOpinion()

    def knows(self, language: str) -> bool:
        return self.inner.knows(language)

    def rank(self, text: str, languages: frozenset[str]) -> list[Candidate]:
        self.calls += 1
        return self.inner.rank(text, languages)


@dataclass(frozen=True)
class Page:
    key: str
    expected: str
    declared: str | None
    body: str


def load_pages(root: Path, settings: EnrichSettings) -> list[Page]:
    pages = []
    for news_page in load_news_pages(root):
        country, file_name = news_page.name.split("/", 1)
        publisher = file_name.split("_", 1)[0]
        raw = RawArticle(id=file_name, url=None, source=Source("files", "news-pages"),
                         fetched_at=datetime(2024, 1, 1, tzinfo=timezone.utc), content_type="text/html",
                         body=news_page.html)
        try:
            extracted = extract_document(decode_document(raw, settings), url=None, settings=settings)
            body = clean_document(extracted, settings).body
        except EnrichmentError as error:
            print(json.dumps({"figure": "language_page_skipped", "page": news_page.name,
                              "error": str(error)}))
            continue
        pages.append(Page(news_page.name, publisher_language(country, publisher),
                          declared_language_of(raw, extracted), body))
    return pages


def _timed(page: Page, settings: LanguageSettings, opinion: CountingOpinion) -> tuple[str, str, float]:
    detector = default_detector(settings.seed, settings.backend)
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = identify_language(page.body, declared=page.declared, detector=detector, settings=settings,
                                   second_opinion=opinion)
        best = min(best, time.perf_counter() - started)
    return result.language, result.source, best * 1000


_COLD_SCRIPT = """
import json, sys, time
from presspipe.pipelines.enrich.language import default_detector, identify_language
page = json.load(sys.stdin)
detector = default_detector()
identify_language("The council voted on Tuesday to build new cycling lanes along the river.", declared=None,
                  detector=detector)
started = time.perf_counter()
identify_language(page["body"], declared=page["declared"], detector=detector)
print((time.perf_counter() - started) * 1000)
"""


def cold_load_ms(page: Page) -> float:
    """What the first page needing the second opinion costs in a fresh worker (lingua's import and models), in a
    new process: this one has lingua loaded already (the extraction figures' fixtures may have needed it)."""
    completed = subprocess.run([sys.executable, "-c", _COLD_SCRIPT], input=json.dumps(page.__dict__),
                               capture_output=True, text=True, check=True)
    return float(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    root = NEWS_PAGES.resolve()
    if not root.is_dir():
        print(json.dumps({"figure": "language_quality", "skipped": f"no news pages at {root}"}))
        return 0
    pages = load_pages(root, EnrichSettings())
    before_settings, after_settings = LanguageSettings(second_opinion=False), LanguageSettings()
    opinion = CountingOpinion()
    detector = default_detector(after_settings.seed, after_settings.backend)
    first_consulted: Page | None = None
    for page in pages:  # warm-up: langdetect's profiles, then lingua and every model a page needs, load here
        calls = opinion.calls
        identify_language(page.body, declared=page.declared, settings=after_settings, second_opinion=opinion,
                          detector=detector)
        if opinion.calls > calls and first_consulted is None:
            first_consulted = page
    lingua_cold_ms = cold_load_ms(first_consulted) if first_consulted else 0.0

    rows, consulted_extra, all_extra, before_ms = [], [], [], []
    for page in pages:
        before_language, _, before_time = _timed(page, before_settings, opinion)
        calls = opinion.calls
        after_language, after_source, after_time = _timed(page, after_settings, opinion)
        consulted = opinion.calls > calls
        extra = max(after_time - before_time, 0.0)
        before_ms.append(before_time)
        all_extra.append(extra if consulted else 0.0)
        if consulted:
            consulted_extra.append(extra)
        rows.append({"figure": "language_page", "page": page.key, "expected": page.expected,
                     "declared": page.declared, "before": before_language, "after": after_language,
                     "source": after_source, "second_opinion": consulted,
                     "before_ms": round(before_time, 3), "after_ms": round(after_time, 3)})
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))

    def wrong(mode: str) -> list[str]:
        return [f"{row['page']} ({row[mode]}, not {row['expected']})" for row in rows if row[mode] != row["expected"]]

    summary = {
        "figure": "language_quality", "pages": len(rows), "backend": resolve_backend(after_settings.backend),
        "right_before": len(rows) - len(wrong("before")), "wrong_before": len(wrong("before")),
        "right_after": len(rows) - len(wrong("after")), "wrong_after": len(wrong("after")),
        "regressions": [row["page"] for row in rows if row["before"] == row["expected"] != row["after"]],
        "second_opinion_pages": len(consulted_extra),
        "langdetect_ms": round(statistics.mean(before_ms), 3) if before_ms else None,
        "extra_ms_consulted": round(statistics.mean(consulted_extra), 3) if consulted_extra else 0.0,
        "extra_ms_per_document": round(statistics.mean(all_extra), 3) if all_extra else 0.0,
        "lingua_cold_ms": round(lingua_cold_ms, 1),
    }
    print(json.dumps(summary))
    print(f"\nlanguage on {summary['pages']} real pages vs their publishers' languages: "
          f"before (langdetect alone) {summary['right_before']} right / {summary['wrong_before']} wrong, "
          f"after (+ lingua) {summary['right_after']} right / {summary['wrong_after']} wrong")
    for line in wrong("before"):
        print(f"  wrong before: {line}")
    for line in wrong("after"):
        print(f"  wrong after:  {line}")
    print(f"second opinion asked on {summary['second_opinion_pages']} pages: +{summary['extra_ms_consulted']} ms on "
          f"each of those, +{summary['extra_ms_per_document']} ms per document overall "
          f"(langdetect {summary['langdetect_ms']} ms/document; lingua's first load {summary['lingua_cold_ms']} ms "
          f"once per worker)")
    ok = not summary["regressions"] and summary["wrong_after"] <= summary["wrong_before"]
    print(f"language bar (no page made wrong, no more wrong than before): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
