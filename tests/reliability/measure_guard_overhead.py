"""What the extraction time limit costs per document: ``python -m tests.reliability.measure_guard_overhead``.

Prints numbers, asserts nothing (timings belong in reports, not in tests). Three measurements:
- the fixed cost of one round trip to the worker process (a request that fails at once: pickling, two socket
  transfers, two context switches, the error sent back);
- guarded minus in-process extraction for generated article pages of three sizes, interleaved so that machine
  load hits both sides alike (medians);
- the worker's start-up (paid once per DoFn instance, and after each kill).

With ``--pipeline``, also whole bounded runs (embedded broker, in-process Beam, no entities) over the same generated
articles with the limit on and off (``--extract_timeout_ms 0``), alternating, per-document wall time of each run.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time

from pathlib import Path

from presspipe.pipelines.enrich.errors import EmptyArticleError
from presspipe.pipelines.enrich.record import DecodedDocument, EnrichSettings, extract_document
from presspipe.pipelines.guard import ExtractionWorker, GuardSettings
from tests.reliability.hostile import ENGLISH, article_page

SETTINGS = EnrichSettings()


def page_of(approximate_bytes: int) -> DecodedDocument:
    paragraphs = [f"Paragraph {i}. {ENGLISH}" for i in range(max(1, approximate_bytes // 230))]
    return DecodedDocument(article_page(paragraphs), True)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main(rounds: int = 200) -> None:
    started = time.perf_counter()
    worker = ExtractionWorker(GuardSettings(timeout_s=60.0))
    worker.start()
    print(f"worker start-up: {(time.perf_counter() - started) * 1000:.0f} ms")

    empty = DecodedDocument("   ", True)
    round_trips = []
    for _ in range(rounds * 5):
        begin = time.perf_counter()
        try:
            worker.extract(empty, url=None, settings=SETTINGS)
        except EmptyArticleError:
            round_trips.append(time.perf_counter() - begin)
    print(f"fixed round trip (request failing at once): median {median_ms(round_trips):.3f} ms, "
          f"p90 {statistics.quantiles(round_trips, n=10)[-1] * 1000:.3f} ms over {len(round_trips)}")

    for size in (20_000, 100_000, 1_000_000):
        document = page_of(size)
        count = rounds if size < 1_000_000 else rounds // 10
        guarded, direct = [], []
        for _ in range(count):
            begin = time.perf_counter()
            worker.extract(document, url="https://measure.test/a", settings=SETTINGS)
            guarded.append(time.perf_counter() - begin)
            begin = time.perf_counter()
            extract_document(document, url="https://measure.test/a", settings=SETTINGS)
            direct.append(time.perf_counter() - begin)
        print(f"page of {len(document.text):>9,} chars: in-process {median_ms(direct):8.2f} ms, "
              f"guarded {median_ms(guarded):8.2f} ms, difference {median_ms(guarded) - median_ms(direct):+6.2f} ms "
              f"(medians of {count})")
    worker.close()


def measure_pipeline(documents: int = 300, repeats: int = 3) -> None:
    from presspipe.pipelines import ingest
    from presspipe.pipelines.io.kafka import create_topics
    from presspipe.broker import default_engine, running_broker
    from presspipe.core.settings import KafkaSettings
    from tests.reliability.hostile import raw
    from tests.support.kafka import produce

    with running_broker(log_path=Path(tempfile.mkdtemp()) / "broker.log", engine=default_engine()[0]) as broker:
        settings = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        create_topics(settings, ["measure.raw", "measure.articles", "measure.dlq"], partitions=4)
        pages = [raw(page_of(8_000 + 40 * i).text.encode(), url=f"https://measure.test/{i}")
                 for i in range(documents)]
        produce(settings, "measure.raw", [(page.id.encode(), page.encode()) for page in pages])
        per_document = {"guarded": [], "in-process": []}
        for _ in range(repeats):
            for label, timeout in (("guarded", "10000"), ("in-process", "0")):
                summary = ingest.run(["--bootstrap-servers", settings.bootstrap_servers, "--raw_topic", "measure.raw",
                                      "--articles_topic", "measure.articles", "--dlq_topic", "measure.dlq",
                                      "--no_entities", "--extract_timeout_ms", timeout])
                assert summary.balanced and summary.written == documents
                per_document[label].append(summary.seconds / documents)
        for label, values in per_document.items():
            print(f"bounded run, {documents} articles, {label:10}: "
                  + ", ".join(f"{value * 1000:.2f}" for value in values) + " ms/doc")
        print(f"difference of medians: {median_ms(per_document['guarded']) - median_ms(per_document['in-process']):+.2f}"
              " ms/doc (includes the worker start-up, once per run)")


if __name__ == "__main__":
    main()
    if "--pipeline" in sys.argv[1:]:
        measure_pipeline()
