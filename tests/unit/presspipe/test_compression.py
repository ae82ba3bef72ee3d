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
