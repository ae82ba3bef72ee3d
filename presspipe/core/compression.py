"""Gunzip with a cap, the one way presspipe inflates untrusted bytes (files, sitemaps, raw article bodies), and the
integrity check of one gzip member in a file (WARC records).

The cap is enforced while inflating, so a gzip bomb costs at most ``limit`` bytes of memory, never its full size.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"


class InflateError(ValueError):
    """Base of the failures below."""


class InflateLimitError(InflateError):
    """The data inflates past the limit; ``inflated`` is how far it got before stopping."""

    def __init__(self, limit: int, inflated: int):
        super().__init__(f"inflates past {limit} bytes")
        self.limit = limit
        self.inflated = inflated


class CorruptGzipError(InflateError):
    """Broken or truncated gzip data."""


def is_gzip(data: bytes) -> bool:
    return data.startswith(GZIP_MAGIC)


def gunzip_capped(data: bytes, limit: int) -> bytes:
    """Inflate every gzip member of ``data`` (RFC 1952 §2.2: a gzip file is a series of members, which is what
    ``cat a.gz b.gz`` and parallel compressors write), at most ``limit`` bytes in total across the members.

    Zero bytes after the last member are padding and ignored (as gzip(1) and Python's gzip module do); any other
    trailing bytes are corruption, never silently dropped.

    Raises:
        InflateLimitError: more than ``limit`` bytes would come out (the members together).
        CorruptGzipError: the data is not valid gzip, a member ends early, or non-gzip bytes follow a member.
    """
    output = bytearray()
    remaining = data
    while True:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            # max_length >= 1 always (len(output) <= limit here): 0 would mean "unlimited" to zlib.
            output += decompressor.decompress(remaining, limit - len(output) + 1)
        except zlib.error as error:
            raise CorruptGzipError(f"broken gzip data: {error}") from error
        if len(output) > limit or decompressor.unconsumed_tail:
            raise InflateLimitError(limit, len(output))
        if not decompressor.eof:
            raise CorruptGzipError("truncated gzip data")
        remaining = decompressor.unused_data.lstrip(b"\0")
        if not remaining:
            return bytes(output)
        if not is_gzip(remaining):
            raise CorruptGzipError(f"{len(remaining)} bytes of non-gzip data after a gzip member")


def gzip_member_intact(stream: BinaryIO, offset: int) -> bool:
    """Whether the gzip member at ``offset`` inflates to its end and its CRC matches.

    warcio hands out a record from a member whose middle is damaged without complaint (deflate decodes the garbage;
    only the member's trailer tells), and its reader can then lose its place for the next record. ``stream`` must be
    a handle of its own, so the iterator's position is untouched. Inflates in bounded steps and keeps nothing."""
    stream.seek(offset)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while not inflater.eof:
        chunk = inflater.unconsumed_tail or stream.read(1 << 16)
        if not chunk:
            return False
        try:
            inflater.decompress(chunk, 1 << 20)
        except zlib.error:
            return False
    return True
