"""WARC: archives written with warcio → WarcConnector → embedded broker → replay → Avro."""

from __future__ import annotations

import pytest

from presspipe.connectors.state import ConnectorState
from presspipe.connectors.warc import WarcConnector
from tests.integration.connectors.e2e_support import raw_records, replay, run_into, start_time
from tests.unit.connectors.local_site import article_html
from tests.unit.connectors.warc_files import Capture, corrupt_record, warc_bytes, write

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_warc_end_to_end_with_corrupt_record_and_restart(kafka_settings, topics, tmp_path):
    since = start_time()
    stories = [Capture(f"https://cc-news.test/{n}.html", article_html(f"Harbour story number {n}")) for n in range(1, 6)]
    gz = write(tmp_path / "CC-NEWS-1.warc.gz", corrupt_record(warc_bytes(
        [*stories[:3], Capture("https://cc-news.test/a.png", b"\x89PNG", content_type="image/png")]), 2))
    plain = write(tmp_path / "CC-NEWS-2.warc", warc_bytes(
        [stories[3], Capture(stories[4].url, stories[4].body, truncated="length")], gzipped=False, version="WARC/1.0"))

    with ConnectorState(tmp_path / "warc.sqlite") as state:
        first = run_into(WarcConnector([gz, plain], state), kafka_settings, topics.raw)
        assert (first.sent, first.fetch_failures) == (4, 1), first.as_dict()  # story 2 is the corrupt record
        assert first.failures_by_type == {"CorruptRecordError": 1}
        again = run_into(WarcConnector([gz, plain], state), kafka_settings, topics.raw)
        assert (again.sent, again.skipped, again.fetch_failures) == (0, 2, 0)

    records = {raw.url: raw for raw in raw_records(kafka_settings, topics.raw, expected=4)}
    assert sorted(records) == [story.url for n, story in enumerate(stories, start=1) if n != 2]
    assert records[stories[4].url].headers["warc-truncated"] == "length"

    summary, articles = replay(kafka_settings, topics, since, tmp_path / "avro")
    assert summary.read == 4 and summary.balanced
    assert summary.written == len(articles) == 4, summary.to_json()
    assert {article["url"] for article in articles} == set(records)
