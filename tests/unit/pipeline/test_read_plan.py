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


def _plan(*sizes: int) -> ReadPlan:
    return ReadPlan(tuple(PartitionRange("t", p, 100, 100 + size) for p, size in enumerate(sizes)))


def test_a_thousand_records_give_every_worker_several_chunks():
    from presspipe.pipelines.io.kafka import chunk_records_for

    plan = _plan(250, 250, 250, 250)
    for workers in (1, 2, 3, 8):
        chunks = plan.chunks(chunk_records_for(plan, workers))
        assert len(chunks) >= min(4 * workers, 250), (workers, len(chunks))
        assert len(chunks) >= 16 and sum(c.size for chunk in chunks for c in chunk) == 1000
    # the old fixed default made one chunk of the whole topic
    assert len(plan.chunks(2000)) == 1


def test_the_deepest_partition_sets_the_chunks_and_the_cap_holds():
    from presspipe.pipelines.io.kafka import MAX_CHUNK_RECORDS, chunk_records_for

    skewed = _plan(1000, 0, 3)
    assert len(skewed.chunks(chunk_records_for(skewed, 2))) == 16
    huge = _plan(10_000_000)
    assert chunk_records_for(huge, 2) == MAX_CHUNK_RECORDS
    tiny = _plan(5)
    assert len(tiny.chunks(chunk_records_for(tiny, 2))) == 5, "one record per chunk when that is all there is"
    assert chunk_records_for(_plan(), 2) == MAX_CHUNK_RECORDS and _plan().chunks(MAX_CHUNK_RECORDS) == []


def test_a_plan_that_leaves_workers_idle_is_named():
    from presspipe.pipelines.io.kafka import check_parallelism

    warning = check_parallelism(1, 2, 1000, 2000)
    assert "1 chunk(s) for 2 workers" in warning and "--chunk_records 2000" in warning
    assert "only 1 records" in check_parallelism(1, 4, 1, 1)
    assert check_parallelism(16, 2, 1000, 63) is None
    assert check_parallelism(1, 1, 1000, 2000) is None and check_parallelism(1, None, 1000, 2000) is None


def test_the_bounded_read_plans_from_its_workers_and_warns_when_it_cannot_use_them(caplog):
    """Applying the transform plans the chunks (the pipeline is built, not run: no broker needed)."""
    import logging

    import apache_beam as beam

    from presspipe.core.settings import KafkaSettings
    from presspipe.pipelines.io.kafka import ReadFromKafkaBounded

    plan = _plan(250, 250, 250, 250)
    with caplog.at_level(logging.WARNING, logger="presspipe.pipelines.io.kafka"):
        planned = ReadFromKafkaBounded(KafkaSettings(), plan, workers=2)
        _ = beam.Pipeline() | planned
        assert len(plan.chunks(planned.chunk_records)) >= 8
        assert not [r for r in caplog.records if "nothing to read" in r.getMessage()]
        _ = beam.Pipeline() | ReadFromKafkaBounded(KafkaSettings(), plan, chunk_records=2000, workers=2)
        (warning,) = [r for r in caplog.records if "nothing to read" in r.getMessage()]
        assert "1 chunk(s) for 2 workers" in warning.getMessage()
