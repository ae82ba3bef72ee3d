"""WARC archives written by the tests with warcio: HTML and other responses, truncation, corrupt records."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


@dataclass(frozen=True)
class Capture:
    url: str
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    record_type: str = "response"
    identified_type: str | None = None
    truncated: str | None = None
    status: str = "200 OK"
    extra_warc_headers: dict[str, str] = field(default_factory=dict)


def warc_bytes(captures: list[Capture], *, gzipped: bool = True, version: str = "WARC/1.1") -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzipped, warc_version=version)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "presspipe tests"}))
    for capture in captures:
        warc_headers = dict(capture.extra_warc_headers)
        if capture.identified_type:
            warc_headers["WARC-Identified-Payload-Type"] = capture.identified_type
        if capture.truncated:
            warc_headers["WARC-Truncated"] = capture.truncated
        if capture.record_type == "response":
            http = StatusAndHeaders(capture.status, [("Content-Type", capture.content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(capture.url, "response", payload=io.BytesIO(capture.body),
                                               http_headers=http, warc_headers_dict=warc_headers)
        else:
            record = writer.create_warc_record(capture.url, capture.record_type, payload=io.BytesIO(capture.body),
                                               warc_content_type="application/http; msgtype=request",
                                               warc_headers_dict=warc_headers)
        writer.write_record(record)
    return buffer.getvalue()


def record_offsets(data: bytes) -> list[int]:
    iterator = ArchiveIterator(io.BytesIO(data))
    offsets = []
    for record in iterator:
        record.content_stream().read()
        offsets.append(iterator.get_record_offset())
    return offsets


def corrupt_record(data: bytes, index: int) -> bytes:
    """Overwrite the middle of record ``index`` (0 = warcinfo) with garbage."""
    offsets = record_offsets(data) + [len(data)]
    start, end = offsets[index], offsets[index + 1]
    middle = start + (end - start) // 2
    damaged = bytearray(data)
    damaged[middle:middle + 24] = b"\x00\xff" * 12
    return bytes(damaged)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
