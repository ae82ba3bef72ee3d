import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from presspipe.core.compression import CorruptGzipError, InflateLimitError, gunzip_capped, is_gzip


@given(st.binary(max_size=5000))
def test_round_trip_within_the_limit(data):
    assert gunzip_capped(gzip.compress(data), limit=len(data)) == data


def test_bomb_stops_at_the_limit():
    with pytest.raises(InflateLimitError) as raised:
        gunzip_capped(gzip.compress(bytes(10_000_000)), limit=1000)
    assert raised.value.inflated <= 1001


@pytest.mark.parametrize("data", [b"\x1f\x8bnot gzip at all", gzip.compress(b"x" * 1000)[:-12]])
def test_corrupt_and_truncated_data(data):
    with pytest.raises(CorruptGzipError):
        gunzip_capped(data, limit=10_000)


def test_magic_bytes():
    assert is_gzip(gzip.compress(b"")) and not is_gzip(b"<html>")


def test_gzip_member_check_reads_one_member_at_an_offset_and_its_crc():
    import io

    from presspipe.core.compression import gzip_member_intact

    first, second = gzip.compress(b"first record " * 100, 0), gzip.compress(b"second record " * 100, 0)
    damaged = bytearray(second)
    damaged[len(damaged) // 2] ^= 0xFF  # a stored block still inflates; only the CRC tells
    stream = io.BytesIO(first + bytes(damaged))
    assert gzip_member_intact(stream, 0)
    assert not gzip_member_intact(stream, len(first))
    assert gzip_member_intact(io.BytesIO(first + second), len(first))
    assert not gzip_member_intact(io.BytesIO(first[:-6]), 0), "a truncated member is not intact"


# --- multi-member gzip (RFC 1952 §2.2): every member inflated, the cap counted across all of them ---------------


def test_every_member_of_a_multi_member_file_is_inflated():
    members = gzip.compress(b"<p>first half</p>") + gzip.compress(b"<p>second half</p>") + gzip.compress(b"!")
    assert gunzip_capped(members, limit=1000) == b"<p>first half</p><p>second half</p>!"


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=6))
def test_concatenated_members_round_trip(parts):
    joined = b"".join(parts)
    assert gunzip_capped(b"".join(gzip.compress(part) for part in parts), limit=len(joined)) == joined


def test_the_cap_counts_all_members_together():
    two = gzip.compress(b"a" * 600) + gzip.compress(b"b" * 600)  # each member alone is under the cap
    with pytest.raises(InflateLimitError) as raised:
        gunzip_capped(two, limit=1000)
    assert raised.value.inflated <= 1001
    assert gunzip_capped(two, limit=1200) == b"a" * 600 + b"b" * 600


def test_a_bomb_in_a_later_member_stops_at_the_cap():
    with pytest.raises(InflateLimitError) as raised:
        gunzip_capped(gzip.compress(b"small") + gzip.compress(bytes(20_000_000)), limit=10_000)
    assert raised.value.inflated <= 10_001


def test_zero_padding_after_the_last_member_is_ignored_other_trailing_bytes_are_corruption():
    assert gunzip_capped(gzip.compress(b"page") + b"\0" * 512, limit=100) == b"page"
    with pytest.raises(CorruptGzipError):
        gunzip_capped(gzip.compress(b"page") + b"trailing junk", limit=100)
    with pytest.raises(CorruptGzipError):
        gunzip_capped(gzip.compress(b"page") + gzip.compress(b"x" * 500)[:-20], limit=10_000)


def test_every_caller_of_the_shared_gunzip_reads_all_members(tmp_path):
    """The files connector, the sitemap reader and the pipeline's body decoding all go through gunzip_capped."""
    from presspipe.connectors.files import FileLimits, read_capped
    from presspipe.connectors.sitemaps import inflate_if_gzip
    from presspipe.pipelines.enrich.extract import gunzip_if_compressed

    members = gzip.compress(b"<urlset>") + gzip.compress(b"</urlset>")
    assert inflate_if_gzip(members) == b"<urlset></urlset>"
    assert gunzip_if_compressed(members, max_decompressed_bytes=1000) == b"<urlset></urlset>"
    page = tmp_path / "page.html.gz"
    page.write_bytes(members)
    assert read_capped(page, FileLimits()) == b"<urlset></urlset>"
