"""Byte-identity check of the enrichment's output: snapshot ``enrich_article`` on a set of pages, compare later.

Speed work on the extraction path must keep its output identical (or say what changed). This records, for every
page, the whole ``Article`` (minus nothing: the processing time is fixed) and the extraction's own counts, as one JSON
line per page; ``--check`` recomputes them and lists every page whose line differs, field by field.

Pages: the HTML fixtures (``tests/fixtures/html``), the real news pages (``../shared/data/news-pages``, when present)
and the first ``--generated`` pages of the benchmark corpus (seed 0).

    python -m benchmarks.extraction_identity --write /tmp/identity-before.jsonl
    python -m benchmarks.extraction_identity --check /tmp/identity-before.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURES = REPOSITORY / "tests" / "fixtures" / "html"
FIXED_TIME = datetime(2024, 1, 1, tzinfo=timezone.utc)


def pages(generated: int) -> Iterator[tuple[str, str | None, str, bytes]]:
    """``(name, url, content type, body)`` of every page checked, in a fixed order."""
    for path in sorted(FIXTURES.glob("*.html")):
        yield f"fixtures/{path.name}", None, "text/html", path.read_bytes()
    from benchmarks.news_pages import NEWS_PAGES_DIR, load_news_pages

    if NEWS_PAGES_DIR.is_dir():
        for page in load_news_pages():
            yield f"news-pages/{page.name}", page.url, "text/html", page.html
    if generated:
        from benchmarks.corpus import load_corpus

        for page in load_corpus(generated, 0):
            yield f"generated/{page.name}", page.url, page.content_type, page.body


def snapshot(name: str, url: str | None, content_type: str, body: bytes) -> dict:
    """The article and the extraction's counts of one page, as JSON-compatible values (or its dead letter)."""
    from presspipe.pipelines.enrich.errors import EnrichmentError
    from presspipe.pipelines.enrich.record import EnrichSettings, Provenance, enrich_article, extract_document
    from presspipe.schemas.records import RawArticle, Source, to_json_compatible

    raw = RawArticle(id=name, url=url, source=Source("files", "identity"), fetched_at=FIXED_TIME,
                     content_type=content_type, body=body, http_status=200)
    extracted: dict = {}

    def recording_extract(document, *, url, settings):
        result = extract_document(document, url=url, settings=settings)
        extracted.update(paragraphs=list(result.paragraphs), restored=result.paragraphs_restored,
                         navigation_removed=result.navigation_removed, captions=result.captions_removed,
                         related=result.related_blocks_removed)
        return result

    try:
        article = enrich_article(raw, provenance=Provenance(), settings=EnrichSettings(), processed_at=FIXED_TIME,
                                 extract=recording_extract)
    except EnrichmentError as error:
        return {"page": name, "error": f"{error.stage}: {type(error).__name__}: {error}", "extracted": extracted}
    return {"page": name, "article": to_json_compatible(article.to_json_dict()), "extracted": extracted}


def run(generated: int) -> Iterator[dict]:
    for name, url, content_type, body in pages(generated):
        yield snapshot(name, url, content_type, body)


def differences(before: dict, after: dict) -> list[str]:
    """Top-level fields (of the article, the extraction and the error) that differ."""
    changed = []
    for section in ("article", "extracted"):
        old, new = before.get(section) or {}, after.get(section) or {}
        changed += [f"{section}.{key}" for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    if before.get("error") != after.get("error"):
        changed.append("error")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", type=Path, help="write the snapshot here")
    action.add_argument("--check", type=Path, help="compare with this snapshot")
    parser.add_argument("--generated", type=int, default=300, help="pages of the generated corpus (default 300)")
    args = parser.parse_args(argv)
    if args.write:
        with args.write.open("w", encoding="utf-8") as out:
            count = 0
            for line in run(args.generated):
                out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        print(f"{count} pages written to {args.write}")
        return 0
    before = {line["page"]: line for line in map(json.loads, args.check.read_text(encoding="utf-8").splitlines())}
    changed, seen = 0, set()
    for line in run(args.generated):
        seen.add(line["page"])
        old = before.get(line["page"])
        if old is None:
            print(f"NEW  {line['page']}")
            changed += 1
        elif json.loads(json.dumps(line, ensure_ascii=False, sort_keys=True)) != old:
            print(f"DIFF {line['page']}: {', '.join(differences(old, line))}")
            changed += 1
    for missing in sorted(set(before) - seen):
        print(f"GONE {missing}")
        changed += 1
    print(f"{len(seen)} pages compared, {changed} differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
