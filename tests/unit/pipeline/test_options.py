from datetime import datetime, timezone

import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from presspipe.pipelines.options import ConfigError, IngestConfig, Output
from presspipe.core.settings import Topics, topic_name


def config(*flags: str, env=None, monkeypatch=None) -> IngestConfig:
    return IngestConfig.from_options(PipelineOptions(list(flags)))


def test_defaults(monkeypatch):
    monkeypatch.delenv("PRESSPIPE_BOOTSTRAP_SERVERS", raising=False)
    chosen = config()
    assert chosen.kafka.bootstrap_servers == "127.0.0.1:9092"
    assert chosen.mode == "bounded" and chosen.start.kind == "earliest"
    assert chosen.outputs == (Output("kafka", "articles.enriched"),)


def test_bootstrap_from_flag_env_and_beams_own_flag(monkeypatch):
    monkeypatch.setenv("PRESSPIPE_BOOTSTRAP_SERVERS", "env:1")
    assert config().kafka.bootstrap_servers == "env:1"
    assert config("--bootstrap-servers", "flag:2").kafka.bootstrap_servers == "flag:2"
    assert config("--bootstrap_servers", "beam:3").kafka.bootstrap_servers == "beam:3"


def test_group_defaults_start_to_committed():
    chosen = config("--group", "g")
    assert (chosen.start.kind, chosen.start.group) == ("committed", "g")


def test_time_window_and_outputs():
    chosen = config("--since", "2024-05-01T00:00:00Z", "--until", "2024-05-02", "--output", "avro:/tmp/x",
                    "--output", "kafka:out")
    assert chosen.start.since == datetime(2024, 5, 1, tzinfo=timezone.utc)
    assert chosen.until == datetime(2024, 5, 2, tzinfo=timezone.utc)
    assert chosen.outputs == (Output("avro", "/tmp/x"), Output("kafka", "out"))


def test_explicit_offsets():
    chosen = config("--offsets", "a.raw:0:10", "--offsets", "a.raw:3:7")
    assert chosen.start.offsets == {("a.raw", 0): 10, ("a.raw", 3): 7}


def test_streaming_sets_beams_streaming_flag():
    options = PipelineOptions(["--mode", "streaming"])
    IngestConfig.from_options(options)
    assert options.view_as(StandardOptions).streaming


@pytest.mark.parametrize("flags", [
    ("--output", "s3:bucket"),
    ("--since", "not a time"),
    ("--since", "2024-01-01", "--from", "latest"),
    ("--offsets", "topic-without-partition"),
    ("--mode", "streaming", "--until", "2024-01-01"),
    ("--chunk_records", "0"),
    ("--kafka_option", "sasl_plain_password"),
    ("--kafka_option", "unknown_option=1"),
    ("--raw_topic", "raw topic"),
    ("--dlq_topic", ".."),
    ("--articles_topic", ""),
    ("--output", "kafka:articles/enriched"),
    ("--output", "kafka:" + "t" * 250),
    ("--entity_model", "fr"),
    ("--entity_model", "=fr_core_news_sm"),
    ("--entity_model", "en=no_such_spacy_package_anywhere"),
    ("--entity_model", "hi=bundled:no_such_model"),
    ("--entity_list", "/no/such/watch-list.jsonl"),
])
def test_bad_flags_are_config_errors(flags):
    with pytest.raises(ConfigError):
        config(*flags)


def test_kafka_client_options_pass_through_and_secrets_are_masked():
    chosen = config("--kafka_option", "security_protocol=SASL_SSL", "--kafka_option", "sasl_plain_password=hunter2")
    assert chosen.kafka.client_kwargs()["security_protocol"] == "SASL_SSL"
    assert "hunter2" not in repr(chosen.kafka) and "hunter2" not in repr(chosen)


@pytest.mark.parametrize("name", ["articles.raw", "a", "A-b_c.9", "t" * 249])
def test_kafka_topic_names_kafka_accepts_pass(name):
    assert topic_name(name) == name
    assert config("--raw_topic", name, "--output", f"kafka:{name}").topics.raw == name


@pytest.mark.parametrize("name", ["", ".", "..", "raw topic", "raw/topic", "t" * 250, "thème"])
def test_kafka_topic_names_kafka_refuses_fail_before_any_send(name):
    with pytest.raises(ValueError, match="invalid Kafka topic name"):
        topic_name(name)
    with pytest.raises(ValueError):
        Topics(raw=name)


def test_entity_flags_override_the_default_models_and_add_watch_lists(tmp_path):
    watch_list = tmp_path / "watch.jsonl"
    watch_list.write_text('{"id": "Q1", "label": "ORG", "names": {"*": ["Harbour Trust"]}}\n', "utf-8")
    chosen = config("--entity_model", "fr=none", "--entity_model", "de-AT=fr_core_news_sm",
                    "--entity_list", str(watch_list), "--max_entities", "50")
    entity_config = chosen.entity_config()
    assert dict(entity_config.models) == {"en": "bundled:en_ner", "hi": "bundled:hi_ner", "ru": "natasha",
                                          "de": "fr_core_news_sm"}
    assert entity_config.entity_lists == (watch_list,) and entity_config.max_entities == 50
    assert dict(config().entity_config().models) == {"en": "bundled:en_ner", "hi": "bundled:hi_ner",
                                                     "fr": "fr_core_news_sm", "ru": "natasha"}


@pytest.mark.parametrize("flags, workers", [
    ((), 1),
    (("--direct_num_workers", "2"), 2),
    (("--runner", "DirectRunner", "--direct_num_workers", "3"), 3),
    (("--runner", "FlinkRunner", "--parallelism", "4"), 4),
    (("--runner", "FlinkRunner"), None),
    (("--runner", "DataflowRunner", "--max_num_workers", "10"), 10),
    (("--runner", "dask"), None),
])
def test_workers_come_from_the_runners_own_flags(flags, workers):
    chosen = config(*flags)
    assert chosen.workers == workers and chosen.chunk_records is None


def test_an_explicit_chunk_size_is_kept():
    assert config("--chunk_records", "25").chunk_records == 25


def test_accepted_http_statuses_reach_the_enrichment():
    assert config().enrich.accepted_http_statuses == ()
    assert config("--accept_http_status", "404", "--accept-http-status", "410").enrich.accepted_http_statuses == (
        404, 410)


@pytest.mark.parametrize("bad", ["abc", "99", "700", "404,x"])
def test_bad_http_statuses_are_refused(bad):
    with pytest.raises(ConfigError):
        config("--accept_http_status", bad)


def test_http_statuses_may_be_a_list():
    assert config("--accept_http_status", "404,410", "--accept_http_status", "404").enrich.accepted_http_statuses == (
        404, 410)


def test_the_recall_safety_net_is_on_unless_turned_off():
    assert config().enrich.extraction.recall_safety_net is True
    assert config("--no_recall_safety_net").enrich.extraction.recall_safety_net is False
    assert config("--no-recall-safety-net").enrich.extraction.recall_safety_net is False
