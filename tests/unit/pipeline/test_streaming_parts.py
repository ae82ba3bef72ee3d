from datetime import datetime, timezone

from apache_beam.transforms.window import IntervalWindow
from apache_beam.utils.timestamp import Timestamp

from presspipe.pipelines.io.avro import window_file_name
from presspipe.pipelines.io.kafka_streaming import END_OF_TIME, Ack, CheckpointOnlyOffsetTracker, Position, \
    _PartitionProgress


def chain(progress, offsets, first_previous):
    previous = first_previous
    for offset in offsets:
        progress.add_position(Position("t", 0, offset, previous))
        previous = offset


def test_commit_advances_only_over_fully_acknowledged_prefix():
    progress = _PartitionProgress(next_offset=10)
    chain(progress, [10, 11, 12], 9)
    progress.add_ack(Ack("t", 0, 11, 1))
    assert not progress.advance() and progress.next_offset == 10
    progress.add_ack(Ack("t", 0, 10, 2))
    assert not progress.advance(), "10 needs two acks (two outputs)"
    progress.add_ack(Ack("t", 0, 10, 2))
    assert progress.advance() and progress.next_offset == 12
    progress.add_ack(Ack("t", 0, 12, 1))
    assert progress.advance() and progress.next_offset == 13
    assert not progress.following and not progress.acks


def test_gaps_in_offsets_do_not_stall_commits():
    progress = _PartitionProgress(next_offset=0)
    chain(progress, [0, 5, 9], -1)  # compaction removed 1-4 and 6-8
    for offset in (9, 5, 0):
        progress.add_ack(Ack("t", 0, offset, 1))
    assert progress.advance() and progress.next_offset == 10


def test_acks_before_positions_are_kept():
    progress = _PartitionProgress(next_offset=3)
    progress.add_ack(Ack("t", 0, 3, 1))
    assert not progress.advance()
    chain(progress, [3], 2)
    assert progress.advance() and progress.next_offset == 4


def test_replayed_events_below_the_committed_offset_leave_no_state():
    """A real runner retries bundles: the reader re-emits positions and sinks re-acknowledge committed records."""
    progress = _PartitionProgress(next_offset=0)
    chain(progress, [0, 1], -1)
    for offset in (0, 1):
        progress.add_ack(Ack("t", 0, offset, 1))
    assert progress.advance() and progress.next_offset == 2
    chain(progress, [0, 1], -1)
    progress.add_ack(Ack("t", 0, 1, 1))
    assert not progress.following and not progress.acks and not progress.required
    chain(progress, [2], 1)
    progress.add_ack(Ack("t", 0, 2, 1))
    assert progress.advance() and progress.next_offset == 3


def test_window_file_names_are_deterministic_and_late_panes_separate():
    window = IntervalWindow(Timestamp.of(datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc).timestamp()),
                            Timestamp.of(datetime(2024, 5, 1, 12, 1, tzinfo=timezone.utc).timestamp()))
    assert window_file_name("articles", window, 3, 0) == "articles-20240501T120000Z-20240501T120100Z-shard03.avro"
    assert window_file_name("articles", window, 3, 2).endswith("-shard03-late2.avro")


def test_the_unbounded_reader_checkpoints_but_never_splits_at_a_fraction():
    """A fractional split of [start, END_OF_TIME) would hand a reader an offset near 2**62 (seen on Prism)."""
    from apache_beam.io.restriction_trackers import OffsetRange

    tracker = CheckpointOnlyOffsetTracker(OffsetRange(5, END_OF_TIME))
    assert tracker.try_claim(5) and tracker.try_claim(6)
    assert tracker.try_split(0.5) is None
    primary, residual = tracker.try_split(0)
    assert (primary.start, primary.stop) == (5, 7)
    assert (residual.start, residual.stop) == (7, END_OF_TIME)
