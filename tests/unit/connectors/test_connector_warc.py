"""WarcConnector over archives written with warcio (no broker: acknowledgements are given by the test)."""

from __future__ import annotations

import gzip

from presspipe.connectors.base import FetchFailure, FetchSkipped
from presspipe.connectors.state import WARC_COMPLETE, WARC_COMPLETED_WITH_ERRORS, ConnectorState
from presspipe.connectors.warc import WarcConnector, WarcLimits, file_key
from presspipe.schemas import RawArticle
from tests.unit.connectors.local_site import article_html
from tests.unit.connectors.warc_files import Capture, corrupt_record, record_offsets, warc_bytes, write


def html_capture(n: int, **kwargs) -> Capture:
    return Capture(f"https://news.test/{n}.html", article_html(f"Story {n}"), **kwargs)


def results(connector: WarcConnector, acknowledge: bool = True):
    out = list(connector.fetch())
    if acknowledge:
        for result in out:
            if isinstance(result, RawArticle):
                connector.on_acknowledged(result)
    return out


def articles(out):
    return [r for r in out if isinstance(r, RawArticle)]


def plain_warc_with_a_garbage_second_record() -> tuple[bytes, int]:
    """Three plain records, the second's ``WARC/1.1`` version line replaced by garbage; and that line's offset."""
    data = warc_bytes([html_capture(n) for n in range(1, 4)], gzipped=False)
    second = data.index(b"WARC-Target-URI: https://news.test/2.html")
    version_line = data.rindex(b"WARC/1.1\r\n", 0, second)
    broken = data[:version_line] + b"\x00\x01garbage line\r\n" + data[version_line + len(b"WARC/1.1\r\n"):]
    return broken, version_line


def test_html_responses_only_with_headers_uri_and_truncation(tmp_path):
    path = write(tmp_path / "a.warc.gz", warc_bytes([
        html_capture(1),
        Capture("https://news.test/1.html", b"GET /1.html HTTP/1.1\r\n\r\n", record_type="request"),
        Capture("https://news.test/logo.png", b"\x89PNG....", content_type="image/png"),
        html_capture(2, content_type="application/octet-stream", identified_type="text/html"),
        html_capture(3, content_type="text/html", identified_type="application/pdf"),
        html_capture(4, truncated="length"),
        html_capture(5, content_type="text/html; charset=windows-1252", status="404 Not Found"),
    ]))
    with ConnectorState(tmp_path / "state.sqlite") as state:
        out = results(WarcConnector([path], state))
    produced = articles(out)
    assert [raw.url for raw in produced] == [f"https://news.test/{n}.html" for n in (1, 2, 4, 5)]
    first, second, truncated, missing = produced
    assert first.body == article_html("Story 1") and first.content_type == "text/html" and first.http_status == 200
    assert first.charset == "utf-8" and first.headers["content-type"] == "text/html; charset=utf-8"
    assert first.headers["warc-file"] == "a.warc.gz" and first.headers["warc-record-id"].startswith("<urn:uuid:")
    assert first.source.connector == "warc" and "warc-truncated" not in first.headers
    assert second.content_type == "text/html"
    assert truncated.headers["warc-truncated"] == "length"
    assert missing.http_status == 404 and missing.charset == "windows-1252"
    assert sum(isinstance(r, FetchSkipped) for r in out) == 4  # warcinfo, request, png, pdf
    assert not any(isinstance(r, FetchFailure) for r in out)


def test_plain_warc_1_0(tmp_path):
    path = write(tmp_path / "b.warc", warc_bytes([html_capture(1), html_capture(2)], gzipped=False,
                                                  version="WARC/1.0"))
    with ConnectorState(tmp_path / "state.sqlite") as state:
        assert len(articles(results(WarcConnector([path], state)))) == 2


def test_corrupt_record_is_one_failure_and_the_rest_go_on(tmp_path):
    data = warc_bytes([html_capture(n) for n in range(1, 6)])
    path = write(tmp_path / "c.warc.gz", corrupt_record(data, 3))  # record 3 = Story 3
    with ConnectorState(tmp_path / "state.sqlite") as state:
        out = results(WarcConnector([path], state))
    assert [raw.url for raw in articles(out)] == [f"https://news.test/{n}.html" for n in (1, 2, 4, 5)]
    failures = [r for r in out if isinstance(r, FetchFailure)]
    assert len(failures) == 1 and failures[0].error_type == "CorruptRecordError"
    assert str(path) in failures[0].location


def test_record_whose_member_decodes_but_fails_its_crc_is_not_passed_on(tmp_path):
    """Stored (level 0) gzip members: damage in the middle of one still inflates, so warcio reads a record from it
    with wrong bytes; only the member's CRC tells. That record is one failure, never a published article."""
    # Story 2 is long (warcio reads a member in blocks, so its header is out before the member's end is checked)
    # and ends with its headline again, where the damage goes
    long_story = Capture("https://news.test/2.html", article_html("Story 2") + b"<!--" + b"x" * 200_000 + b"--> Story 2")
    plain = warc_bytes([html_capture(1), long_story, html_capture(3), html_capture(4)], gzipped=False)
    offsets = record_offsets(plain) + [len(plain)]
    members = [gzip.compress(plain[start:end], compresslevel=0) for start, end in zip(offsets, offsets[1:])]
    damaged = bytearray(members[2])  # record 2 = Story 2
    body_at = damaged.rindex(b"Story 2")  # stored blocks keep the payload readable
    damaged[body_at:body_at + 7] = b"STORY 2"
    members[2] = bytes(damaged)
    path = write(tmp_path / "s.warc.gz", b"".join(members))
    with ConnectorState(tmp_path / "state.sqlite") as state:
        out = results(WarcConnector([path], state))
    assert [raw.url for raw in articles(out)] == [f"https://news.test/{n}.html" for n in (1, 3, 4)]
    assert all(b"STORY 2" not in raw.body for raw in articles(out))
    failures = [r for r in out if isinstance(r, FetchFailure)]
    assert len(failures) == 1 and failures[0].error_type == "CorruptRecordError"


def test_corrupt_record_in_a_plain_warc(tmp_path):
    broken, _ = plain_warc_with_a_garbage_second_record()
    path = write(tmp_path / "d.warc", broken)
    with ConnectorState(tmp_path / "state.sqlite") as state:
        out = results(WarcConnector([path], state))
    assert [raw.url for raw in articles(out)] == ["https://news.test/1.html", "https://news.test/3.html"]
    assert sum(isinstance(r, FetchFailure) for r in out) == 1


def test_restart_resumes_after_acknowledged_records(tmp_path):
    path = write(tmp_path / "e.warc.gz", warc_bytes([html_capture(n) for n in range(1, 7)]))
    with ConnectorState(tmp_path / "state.sqlite") as state:
        crashed = WarcConnector([path], state)
        stream = crashed.fetch()
        seen = []
        for result in stream:
            if isinstance(result, RawArticle):
                seen.append(result)
                if len(seen) == 3:
                    break
        # only the first two reached the broker before the crash
        crashed.on_acknowledged(seen[0])
        crashed.on_acknowledged(seen[1])
        stream.close()

        resumed = results(WarcConnector([path], state))
        assert [raw.url for raw in articles(resumed)] == [f"https://news.test/{n}.html" for n in (3, 4, 5, 6)]

        again = results(WarcConnector([path], state))
        assert articles(again) == [] and isinstance(again[0], FetchSkipped) and "already done" in again[0].reason


def test_unacknowledged_records_are_produced_again(tmp_path):
    path = write(tmp_path / "f.warc.gz", warc_bytes([html_capture(n) for n in range(1, 4)]))
    with ConnectorState(tmp_path / "state.sqlite") as state:
        assert len(articles(results(WarcConnector([path], state), acknowledge=False))) == 3
        assert len(articles(results(WarcConnector([path], state)))) == 3
        assert articles(results(WarcConnector([path], state))) == []


def test_missing_file_is_a_failure(tmp_path):
    with ConnectorState(tmp_path / "state.sqlite") as state:
        (failure,) = results(WarcConnector([tmp_path / "nope.warc.gz"], state))
    assert isinstance(failure, FetchFailure)


def test_truncation_is_carried_with_its_reason_and_an_id_of_its_own(tmp_path):
    path = write(tmp_path / "t.warc.gz", warc_bytes([
        html_capture(1), html_capture(1, truncated="length"), html_capture(2, truncated="time"),
        html_capture(3, truncated="something-else"), html_capture(4)]))
    with ConnectorState(tmp_path / "state.sqlite") as state:
        complete, cut, timed, odd, plain = articles(results(WarcConnector([path], state)))
    assert (complete.truncated, complete.truncation_reason) == (False, None)
    assert [(r.truncated, r.truncation_reason) for r in (cut, timed, odd)] == [
        (True, "length"), (True, "time"), (True, "unspecified")]
    assert odd.headers["warc-truncated"] == "something-else", "the value as written stays in the headers"
    assert cut.url == complete.url and cut.id != complete.id
    assert plain.truncated is False


def test_a_payload_over_the_cap_is_cut_and_flagged(tmp_path):
    path = write(tmp_path / "big.warc.gz", warc_bytes([html_capture(1, ), Capture(
        "https://news.test/big.html", article_html("Big") + b"<!--" + b"y" * 50_000 + b"-->")]))
    with ConnectorState(tmp_path / "state.sqlite") as state:
        small, big = articles(results(WarcConnector([path], state, WarcLimits(max_record_bytes=20_000))))
    assert (small.truncated, len(big.body), big.truncated, big.truncation_reason) == (False, 20_000, True, "max_bytes")
    assert big.body == (article_html("Big") + b"<!--" + b"y" * 50_000)[:20_000]


def test_a_damaged_record_is_dead_lettered_with_its_file_offset_and_bytes(tmp_path):
    data = warc_bytes([html_capture(n) for n in range(1, 6)])
    offsets = record_offsets(data)
    path = write(tmp_path / "c.warc.gz", corrupt_record(data, 3))  # record 3 = Story 3
    damaged = path.read_bytes()
    with ConnectorState(tmp_path / "state.sqlite") as state:
        connector = WarcConnector([path], state)
        out = results(connector)
        (failure,) = [r for r in out if isinstance(r, FetchFailure)]
        letter = failure.dead_letter
        assert (letter.stage, letter.error_type) == ("connect", "CorruptRecordError")
        assert (letter.source_location, letter.source_offset) == (str(path.resolve()), offsets[3])
        assert letter.payload == damaged[offsets[3]:offsets[4]], "the bytes from the damaged record to the next one"
        assert str(offsets[3]) in letter.error_message and str(path.resolve()) in letter.error_message
        assert letter.raw_topic is None and letter.payload_truncated_from is None
        key = file_key(path)
        (recorded,) = state.warc_failures(key)
        assert (recorded.start, recorded.end, recorded.dead_lettered) == (offsets[3], offsets[4], False)
        connector.on_dead_lettered(failure)
        assert state.warc_failures(key)[0].dead_lettered
        assert state.warc_status(key) == WARC_COMPLETED_WITH_ERRORS
        (skipped,) = results(WarcConnector([path], state))
        assert isinstance(skipped, FetchSkipped) and "--retry-failed" in skipped.reason


def test_the_dead_letter_id_is_stable_and_the_payload_capped(tmp_path):
    data = warc_bytes([html_capture(n) for n in range(1, 4)])
    path = write(tmp_path / "c.warc.gz", corrupt_record(data, 2))
    letters = []
    for run in range(2):
        with ConnectorState(tmp_path / f"state{run}.sqlite") as state:
            out = results(WarcConnector([path], state, WarcLimits(max_failure_payload_bytes=100)))
            letters.append(next(r.dead_letter for r in out if isinstance(r, FetchFailure)))
    assert letters[0].id == letters[1].id and len(letters[0].payload) == 100
    offsets = record_offsets(data)
    assert letters[0].payload_truncated_from == offsets[3] - offsets[2]


def test_retry_failed_reads_a_repaired_stretch_and_clears_it_once_acknowledged(tmp_path):
    data = warc_bytes([html_capture(n) for n in range(1, 6)])
    path = write(tmp_path / "r.warc.gz", corrupt_record(data, 3))
    with ConnectorState(tmp_path / "state.sqlite") as state:
        key = file_key(path)
        results(WarcConnector([path], state))
        # still damaged: the retry fails again, the failure stays
        again = results(WarcConnector([path], state, retry_failed=True))
        assert articles(again) == [] and sum(isinstance(r, FetchFailure) for r in again) == 1
        assert state.warc_status(key) == WARC_COMPLETED_WITH_ERRORS
        path.write_bytes(data)  # repaired in place (same size, so the same file key)
        assert file_key(path) == key
        unacknowledged = results(WarcConnector([path], state, retry_failed=True), acknowledge=False)
        assert [raw.url for raw in articles(unacknowledged)] == ["https://news.test/3.html"]
        assert state.warc_status(key) == WARC_COMPLETED_WITH_ERRORS, "cleared only once the broker has the record"
        retried = results(WarcConnector([path], state, retry_failed=True))
        assert [raw.url for raw in articles(retried)] == ["https://news.test/3.html"]
        assert state.warc_failures(key) == [] and state.warc_status(key) == WARC_COMPLETE
        assert articles(results(WarcConnector([path], state, retry_failed=True))) == []


def test_a_plain_warc_failure_starts_at_the_broken_record(tmp_path):
    broken, version_line = plain_warc_with_a_garbage_second_record()
    path = write(tmp_path / "d.warc", broken)
    with ConnectorState(tmp_path / "state.sqlite") as state:
        (failure,) = [r for r in results(WarcConnector([path], state)) if isinstance(r, FetchFailure)]
    third = broken.rindex(b"WARC/1.1\r\n", 0, broken.index(b"WARC-Target-URI: https://news.test/3.html"))
    assert failure.dead_letter.source_offset == version_line
    assert failure.dead_letter.payload == broken[version_line:third]
