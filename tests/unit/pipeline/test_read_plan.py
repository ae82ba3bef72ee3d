from hypothesis import given
from hypothesis import strategies as st

from presspipe.pipelines.io.kafka import PartitionRange, ReadPlan


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), max_size=6), st.integers(1, 300))
def test_chunks_cover_every_offset_exactly_once(bounds, chunk_records):
    plan = ReadPlan(tuple(PartitionRange("t", p, min(a, b), max(a, b)) for p, (a, b) in enumerate(bounds)))
    chunks = plan.chunks(chunk_records)
    covered = sorted((c.partition, offset) for chunk in chunks for c in chunk for offset in range(c.start, c.stop))
    expected = [(r.partition, offset) for r in plan.ranges for offset in range(r.start, r.stop)]
    assert covered == expected
    assert all(c.size <= chunk_records for chunk in chunks for c in chunk)
    assert all(len({c.partition for c in chunk}) == len(chunk) for chunk in chunks), "one piece per partition"
    assert plan.total == len(expected)
