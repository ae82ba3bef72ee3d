"""The run's accounting and its refusals, without a broker: the balance over every sink, the dead-letter guard,
flags that would silently do the wrong thing, the sink wiring of a streaming run and the dead-letter stage names."""

from __future__ import annotations

import json
import re

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from presspipe.pipelines import ingest
from presspipe.pipelines.enrich.errors import STAGES
from presspipe.pipelines.io import kafka_streaming
from presspipe.pipelines.options import ConfigError, DeadLetterGuard, IngestConfig, check_flags
from presspipe.schemas.codec import current_schema_json

# --- the balance: read = durably written + durably dead-lettered, at every sink


def summary(read, articles_by_sink, dead_letters_by_sink):
    return ingest.RunSummary(planned=read, read=read, written=min(articles_by_sink.values()),
                             dead_lettered=min(dead_letters_by_sink.values()), articles_by_sink=articles_by_sink,
                             dead_letters_by_sink=dead_letters_by_sink)


def test_a_run_balances_only_when_every_sink_holds_every_record_of_its_kind():
    assert summary(10, {"avro:/o": 7, "kafka:a": 7}, {"kafka:dlq": 3, "avro:/o": 3}).balanced
    # the dead-letter topic lost its letters (the mutation of the issue: the dead-letter yield removed)
    lost = summary(10, {"avro:/o": 7, "kafka:a": 7}, {"kafka:dlq": 0, "avro:/o": 0})
    assert not lost.balanced
    assert "read 10 != written 7 + dead-lettered 0" in lost.imbalance()
    # one article sink behind the other: min() makes the sum fail, and the sinks disagree besides
    assert not summary(10, {"avro:/o": 7, "kafka:a": 6}, {"kafka:dlq": 3, "avro:/o": 3}).balanced
    # a sink holding more than the others (a duplicate write) does not balance either
    assert not summary(10, {"avro:/o": 7, "kafka:a": 8}, {"kafka:dlq": 3, "avro:/o": 3}).balanced


def test_micro_batches_add_up_per_sink():
    total = summary(4, {"kafka:a": 3}, {"kafka:dlq": 1})
    total.add(summary(6, {"kafka:a": 6}, {"kafka:dlq": 0}))
    assert (total.read, total.written, total.dead_lettered) == (10, 9, 1)
    assert total.articles_by_sink == {"kafka:a": 9} and total.dead_letters_by_sink == {"kafka:dlq": 1}
    assert total.balanced
    assert json.loads(total.to_json())["balanced"] is True


def config(*flags: str) -> IngestConfig:
    return IngestConfig.from_options(PipelineOptions(["--bootstrap-servers", "127.0.0.1:1", *flags]))


def test_every_output_is_a_sink_and_every_avro_directory_also_takes_the_dead_letters():
    sinks = ingest.sinks_of(config("--output", "avro:/data/out", "--output", "kafka:enriched", "--dlq_topic", "d"))
    assert [(sink.records, sink.label) for sink in sinks] == [
        ("dead_letters", "kafka:d"), ("articles", "avro:/data/out"), ("dead_letters", "avro:/data/out"),
        ("articles", "kafka:enriched")]
    assert len({sink.counter for sink in sinks}) == 4, "each sink counts under its own name"


def test_the_same_output_twice_is_refused():
    with pytest.raises(ConfigError, match="--output given twice for avro:/o"):
        config("--output", "avro:/o", "--output", "avro:/o")


def test_a_streaming_run_commits_over_the_acks_of_every_sink(monkeypatch):
    """The unbounded wiring (what Flink or Dataflow runs): each sink's acknowledgements reach the committer, and
    each record needs as many acks as there are sinks of its kind."""
    streaming = config("--mode", "streaming", "--group", "g", "--output", "avro:/tmp/presspipe-unused",
                       "--output", "kafka:enriched")
    pipeline = beam.Pipeline(options=PipelineOptions([]))
    monkeypatch.setattr(kafka_streaming, "stream_partitions",
                        lambda settings, topic: [kafka_streaming.PartitionDescriptor("t", 0)])
    ingest.build_pipeline(pipeline, streaming, None)
    flatten_inputs = []

    class Visit(beam.pipeline.PipelineVisitor):
        def visit_transform(self, node):
            if node.full_label == "CommitOffsets/Events":  # each input moved into the global window, then here
                flatten_inputs.extend(pcoll.producer.inputs[0].producer.full_label for pcoll in node.inputs)

    pipeline.visit(Visit())
    sinks = ingest.sinks_of(streaming)
    assert len(sinks) == 4
    assert sorted(flatten_inputs) == sorted(["ReadRaw/ReadPartitions/ParDo(_ReadPartitionFn)"]
                                            + [_acks_producer(sink) for sink in sinks]), flatten_inputs

    article = [sink for sink in sinks if sink.records == "articles"]
    letter = [sink for sink in sinks if sink.records == "dead_letters"]
    assert (len(article), len(letter)) == (2, 2)


def _acks_producer(sink) -> str:
    if sink.kind == "kafka":
        return f"{sink.transform_label}/ParDo(_ProduceFn)"
    return f"{sink.transform_label}/WriteFiles"


def test_each_ack_asks_for_every_sink_of_its_kind():
    from presspipe.schemas import DeadLetter
    from presspipe.schemas.records import utc_now

    letter = DeadLetter(id="x", stage="decode", error_type="E", error_message="m", payload=b"p", raw_topic="t",
                        raw_partition=1, raw_offset=5, failed_at=utc_now(), pipeline_version="0")
    key, value, ack = ingest._sink_element(letter, "dead_letters", "kafka", 0, 2)
    assert (key, ack) == (b"x", kafka_streaming.Ack("t", 1, 5, 2))
    assert ingest._sink_element(letter, "dead_letters", "avro", 0, None)["id"] == "x"


# --- the dead-letter guard


def test_the_guard_trips_above_its_share_for_one_stage_and_error_type_only():
    guard = DeadLetterGuard(max_share=0.9, min_records=20)
    assert guard.tripped_by(100, {"extract/EmptyArticleError": 91}) == ("extract/EmptyArticleError", 91)
    assert guard.tripped_by(100, {"extract/EmptyArticleError": 90}) is None, "exactly the share is allowed"
    # 95 dead letters, but of two causes: bad input of two kinds, not one broken step
    assert guard.tripped_by(100, {"decode/RawDecodeError": 50, "extract/EmptyArticleError": 45}) is None
    assert guard.tripped_by(19, {"entities/EntityTaggingError": 19}) is None, "below the minimum: never"
    assert guard.tripped_by(20, {"entities/EntityTaggingError": 20}) == ("entities/EntityTaggingError", 20)
    assert DeadLetterGuard(max_share=1.0).tripped_by(1000, {"decode/RawDecodeError": 1000}) is None, "1 is off"


def test_guard_flags_reach_the_config_and_nonsense_is_bad_usage():
    assert config().dead_letter_guard == DeadLetterGuard(0.9, 20)
    assert config("--max_dead_letter_share", "0.5", "--dead_letter_guard_min_records", "3").dead_letter_guard == \
        DeadLetterGuard(0.5, 3)
    for flags in (("--max_dead_letter_share", "0"), ("--max_dead_letter_share", "1.5"),
                  ("--dead_letter_guard_min_records", "0")):
        with pytest.raises(ConfigError):
            config(*flags)


# --- flags that would silently do the wrong thing


@pytest.mark.parametrize("window", [["--since", "2024-05-01T00:00:00Z"], ["--offsets", "t:0:5"]])
def test_a_replay_window_with_a_group_is_refused(window):
    with pytest.raises(ConfigError) as refused:
        config(*window, "--group", "live")
    message = str(refused.value)
    assert f"{window[0]} with --group" in message and "skip" in message
    assert "drop --group" in message and "--reset-offsets" in message, "says how to move a group on purpose"


def test_until_with_a_group_stays_allowed():
    """From the committed offsets up to a time: nothing between the group's offset and the start is skipped."""
    chosen = config("--until", "2024-05-01T00:00:00Z", "--group", "live")
    assert chosen.start.kind == "committed" and chosen.until is not None


def test_replay_into_a_group_exits_2_before_touching_kafka(capsys):
    # 127.0.0.1:1 has no broker: getting past the flags would be exit 1 (cannot reach Kafka), not 2
    assert ingest.main(["--bootstrap-servers", "127.0.0.1:1", "--since", "2024-05-01", "--group", "g"]) == 2
    assert "--since with --group" in capsys.readouterr().err


def test_misspelled_flags_are_refused_naming_the_closest_presspipe_flag(capsys):
    assert ingest.main(["--bootstrap-servers", "127.0.0.1:1", "--ouput", "avro:out/", "--gruop", "live"]) == 2
    error = capsys.readouterr().err
    assert "unknown flag --ouput; did you mean --output?" in error
    assert "unknown flag --gruop; did you mean --group?" in error


def test_beams_own_flags_pass():
    check_flags(["--runner", "FlinkRunner", "--flink_master", "localhost:8081", "--direct_num_workers", "2",
                 "--direct_running_mode=multi_threading", "--experiments", "use_runner_v2",
                 "--environment_type", "LOOPBACK", "--save_main_session", "--bootstrap_servers", "h:1"])
    check_flags(["--output=avro:/o", "--max-dead-letter-share", "0.5", "--no-entities"])


def test_stray_arguments_are_refused():
    with pytest.raises(ConfigError, match="unexpected argument 'avro:/o'"):
        check_flags(["avro:/o"])


def test_the_cli_refuses_unknown_pipeline_flags(capsys):
    from presspipe.cli import main

    assert main(["--bootstrap-servers", "127.0.0.1:1", "run", "--no_entitis"]) == 2
    assert "did you mean --no_entities?" in capsys.readouterr().err


# --- dead-letter stages


def test_the_schema_documents_exactly_the_stages_a_dead_letter_can_name():
    [stage_field] = [f for f in current_schema_json("dead_letter")["fields"] if f["name"] == "stage"]
    documented = re.sub(r"\([^)]*\)", "", stage_field["doc"].split("one of:", 1)[1])
    names = [part.strip(" .") for part in documented.split(",")]
    assert tuple(names) == STAGES
