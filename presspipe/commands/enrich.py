"""``presspipe enrich PATH... [--url URL]``: the enrichment alone, on local files, without Kafka or Beam.

Does what the pipeline does to each record: entity tagging with the default models and the per-article extraction
time limit in a worker process (``--no-entities`` and ``--extract-timeout-ms 0`` switch them off). Prints one JSON
object per input on stdout: the article record (the Avro article's fields) plus ``path``, or
``{"path", "error_type", "error"}`` (plus ``stage`` for enrichment failures) for an input that fails; the other inputs
go on. Exit code 0 when every input was enriched, 1 when any failed or the extraction worker cannot start, 2 for bad
usage.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the enrichment stack (trafilatura, spaCy) is imported when the command runs, not to parse flags
    from presspipe.pipelines.enrich.entities import EntityTagger
    from presspipe.pipelines.enrich.record import EnrichSettings
    from presspipe.schemas.records import RawArticle

DEFAULT_EXTRACT_TIMEOUT_MS = 10_000  # EnrichSettings' defaults; tests/unit/presspipe checks that they agree
DEFAULT_EXTRACT_MEMORY_MB = 2048

CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".html.gz": "text/html", ".htm.gz": "text/html",
                 ".txt": "text/plain", ".txt.gz": "text/plain"}


def content_type_for(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in sorted(CONTENT_TYPES, key=len, reverse=True):
        if name.endswith(suffix):
            return CONTENT_TYPES[suffix]
    return None


def raw_article_for(path: Path, body: bytes, url: str | None) -> RawArticle:
    """An in-memory RawArticle as the files connector would build it (gzip bodies are gunzipped by enrichment)."""
    from presspipe.schemas.records import RawArticle, Source, utc_now

    content_type = content_type_for(path)
    if content_type is None:
        raise ValueError(f"unsupported file type (expected one of {', '.join(sorted(CONTENT_TYPES))})")
    return RawArticle(
        id=hashlib.sha256((url or str(path.resolve())).encode("utf-8")).hexdigest()[:32],
        url=url,
        source=Source(connector="files", name=str(path.parent)),
        fetched_at=utc_now(),
        content_type=content_type,
        body=body,
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "enrich",
        help="enrich local HTML/text files and print one JSON article per input (no Kafka, no Beam)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", type=Path, help=".html .htm .html.gz or .txt files")
    parser.add_argument("--url", help="the URL the input was fetched from (used for ids and relative links)")
    parser.add_argument("--no-entities", action="store_true", help="skip entity tagging (no models are loaded)")
    parser.add_argument("--entity-model", action="append", default=[], metavar="LANG=MODEL",
                        help="spaCy model for a language, or LANG=none (as in presspipe run; repeatable)")
    parser.add_argument("--entity-list", action="append", default=[], metavar="PATH",
                        help="JSON-lines watch-list of entities (as in presspipe run; repeatable)")
    parser.add_argument("--extract-timeout-ms", type=int, default=DEFAULT_EXTRACT_TIMEOUT_MS,
                        help="per-input limit on parsing and extraction, enforced by killing a worker process; "
                             "0 extracts in this process with no limit (default: %(default)s)")
    parser.add_argument("--extract-memory-mb", type=int, default=DEFAULT_EXTRACT_MEMORY_MB,
                        help="address-space limit of that worker process in MB, 0 for none (default: %(default)s)")
    parser.add_argument("--no-recall-safety-net", action="store_true",
                        help="precision mode only, without the second pass that restores dropped article paragraphs "
                             "(faster; as in presspipe run)")
    parser.set_defaults(func=run)


def _enrich_one(path: Path, url: str | None, settings: EnrichSettings, tagger: EntityTagger | None,
                extract) -> dict:
    from presspipe.pipelines.enrich.errors import EnrichmentError
    from presspipe.pipelines.enrich.record import Provenance, enrich_article

    try:
        raw = raw_article_for(path, path.read_bytes(), url)
        article = enrich_article(raw, provenance=Provenance(), settings=settings, tagger=tagger, extract=extract)
    except EnrichmentError as error:
        return {"path": str(path), "error_type": type(error).__name__, "stage": error.stage, "error": str(error)}
    except (OSError, ValueError) as error:
        return {"path": str(path), "error_type": type(error).__name__, "error": str(error)}
    return {"path": str(path), **article.to_json_dict()}


def _tagger(args: argparse.Namespace, settings: EnrichSettings) -> tuple[EntityTagger | None, str | None]:
    """The entity tagger the flags ask for, or the error that makes them unusable (a bad model or list).

    ``--no-entities`` without entity flags imports nothing of the entity stack (spaCy, the gazetteer's data): start-up
    pays only for what the run uses. With entity flags their errors are still reported, as before.
    """
    if args.no_entities and not args.entity_model and not args.entity_list:
        return None, None
    from presspipe.pipelines.enrich.entities import build_tagger
    from presspipe.pipelines.enrich.entities.config import check_entity_list, configured, parse_model_override
    from presspipe.pipelines.enrich.entities.errors import EntityConfigError

    try:
        entity_config = configured(tuple(parse_model_override(text) for text in args.entity_model),
                                   tuple(str(check_entity_list(Path(path))) for path in args.entity_list),
                                   settings.max_entities)
    except EntityConfigError as error:
        return None, str(error)
    return (None if args.no_entities else build_tagger(entity_config)), None


def run(args: argparse.Namespace) -> int:
    from presspipe.pipelines.enrich.extract import ExtractionOptions
    from presspipe.pipelines.enrich.record import EnrichSettings, extract_document
    from presspipe.pipelines.guard import ExtractionWorker, GuardedExtractor, GuardSettings, WorkerStartError

    if args.url is not None and len(args.paths) > 1:
        print("presspipe enrich: --url names one input; give exactly one PATH with it", file=sys.stderr)
        return 2
    if args.extract_timeout_ms < 0 or args.extract_memory_mb < 0:
        print("presspipe enrich: --extract-timeout-ms and --extract-memory-mb must be >= 0", file=sys.stderr)
        return 2
    settings = replace(EnrichSettings(), extract_timeout_ms=args.extract_timeout_ms,
                       extract_memory_mb=args.extract_memory_mb,
                       extraction=ExtractionOptions(recall_safety_net=not args.no_recall_safety_net))
    tagger, entity_error = _tagger(args, settings)
    if entity_error is not None:
        print(f"presspipe enrich: {entity_error}", file=sys.stderr)
        return 2
    worker = (ExtractionWorker(GuardSettings(settings.extract_timeout_ms / 1000, memory_mb=settings.extract_memory_mb))
              if settings.extract_timeout_ms else None)
    try:
        extract = GuardedExtractor(worker) if worker else extract_document
        failed = 0
        for path in args.paths:
            result = _enrich_one(path, args.url, settings, tagger, extract)
            failed += "error" in result
            print(json.dumps(result, ensure_ascii=False), flush=True)
    except WorkerStartError as error:
        print(f"presspipe enrich: {error}", file=sys.stderr)
        return 1
    finally:
        if worker is not None:
            worker.close()
    return 1 if failed else 0
