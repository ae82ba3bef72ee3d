import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from presspipe.compression import CorruptGzipError, InflateLimitError, gunzip_capped, is_gzip


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
