from hypothesis import given
from hypothesis import strategies as st

from pipelines.io.kafka import PartitionRange, ReadPlan


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), max_size=6), st.integers(1, 300))
def test_chunks_cover_every_offset_exactly_once(bounds, chunk_records):
    plan = ReadPlan(tuple(PartitionRange("t", p, min(a, b), max(a, b)) for p, (a, b) in enumerate(bounds)))
    covered = [(c.partition, offset) for c in plan.chunks(chunk_records) for offset in range(c.start, c.stop)]
    expected = [(r.partition, offset) for r in plan.ranges for offset in range(r.start, r.stop)]
    assert covered == expected
    assert all(c.size <= chunk_records for c in plan.chunks(chunk_records))
    assert plan.total == len(expected)
