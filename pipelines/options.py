"""The pipeline's configuration in one typed place: Beam ``PipelineOptions`` flags → a frozen ``IngestConfig``.

The flags are what users type (``presspipe run``, ``python -m presspipe.pipelines.ingest``, a Flex Template's parameters);
``IngestConfig`` is what the code reads, validated once on the launching process and pickled into workers.
"""

from __future__ import annotations

import argparse
import difflib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from presspipe.pipelines.enrich.boilerplate import BoilerplateSettings
from presspipe.pipelines.enrich.extract import ExtractionOptions
from presspipe.pipelines.enrich.record import EnrichSettings
from presspipe.pipelines.io.kafka import StartPosition, parse_explicit_offsets
from presspipe.core.settings import KafkaSettings, Topics, parse_client_option, topic_name

MODES = ("bounded", "streaming")
BEAM_DEFAULT_BOOTSTRAP = "localhost:9092"
START_KINDS = ("earliest", "latest", "committed")
#: Kafka's default message limit is 1,048,588 bytes; the rest of a dead letter (error message <= 4,000 characters,
#: ids, coordinates) and the record-batch framing fit in what this leaves.
DEFAULT_MAX_DEAD_LETTER_PAYLOAD_BYTES = 1_000_000


class ConfigError(ValueError):
    """Flags that do not make a runnable pipeline (exit code 2)."""


class PresspipeOptions(PipelineOptions):
    """presspipe's own flags; every other flag is Beam's (``--runner``, ``--direct_num_workers`` ...)."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        # Beam itself owns --bootstrap_servers (KafkaStreamsRunnerOptions, default localhost:9092); it is honoured
        # too when set to anything but that default (see kafka_bootstrap_servers()).
        parser.add_argument("--bootstrap-servers", "--kafka_bootstrap_servers", dest="kafka_bootstrap_servers",
                            default=None,
                            help="Kafka bootstrap servers (default: $PRESSPIPE_BOOTSTRAP_SERVERS or 127.0.0.1:9092)")
        parser.add_argument("--kafka_option", "--kafka-option", action="append", default=[],
                            help="kafka-python client option NAME=VALUE (SASL/SSL), repeatable")
        parser.add_argument("--raw_topic", "--raw-topic", default=Topics.raw)
        parser.add_argument("--articles_topic", "--articles-topic", default=Topics.articles)
        parser.add_argument("--dlq_topic", "--dlq-topic", default=Topics.dlq)
        parser.add_argument("--mode", choices=MODES, default="bounded",
                            help="bounded: read up to the end offsets captured at launch; streaming: follow new records")
        parser.add_argument("--from", dest="start_from", choices=START_KINDS, default=None,
                            help="start position (default: committed when --group is given, else earliest); "
                                 "streaming with --group: where partitions the group has not committed yet start")
        parser.add_argument("--offsets", action="append", default=[],
                            help="explicit start TOPIC:PARTITION:OFFSET, repeatable (bounded mode)")
        parser.add_argument("--since", default=None, help="ISO-8601 time: start at the first record at or after it "
                                                          "(not with --group: a replay commits nothing)")
        parser.add_argument("--until", default=None, help="ISO-8601 time: stop before the first record at or after it")
        parser.add_argument("--output", action="append", default=[],
                            help="avro:DIR or kafka:TOPIC, repeatable (default: kafka:<articles topic>)")
        parser.add_argument("--group", default=None,
                            help="consumer group whose offsets are committed after the output is durable")
        parser.add_argument("--chunk_records", "--chunk-records", type=int, default=None,
                            help="records of one partition per read chunk, the unit of parallelism of a bounded read "
                                 "(default: planned from the records and the workers -- --direct_num_workers, "
                                 "Flink's --parallelism, Dataflow's --max_num_workers -- 4 chunks per worker, "
                                 "at least 16 chunks, at most 2000 records)")
        parser.add_argument("--progress_s", "--progress-s", type=float, default=30.0,
                            help="seconds between progress lines of each worker (logger presspipe.progress); 0: none")
        parser.add_argument("--window_seconds", "--window-seconds", type=int, default=60,
                            help="streaming: event-time window of the Avro files")
        parser.add_argument("--no_entities", "--no-entities", action="store_true", help="skip entity tagging")
        parser.add_argument("--no_recall_safety_net", "--no-recall-safety-net", action="store_true",
                            help="extract with trafilatura's precision mode only, without the default-mode pass "
                                 "that restores article paragraphs precision mode dropped: about a fifth less "
                                 "time per page, without those paragraphs (docs/performance.md has the trade)")
        parser.add_argument("--accept_http_status", "--accept-http-status", action="append", default=[],
                            metavar="CODE",
                            help="enrich responses with this HTTP status too (repeatable); by default a status "
                                 "outside 2xx is a dead letter at stage 'status' (a redirect names its Location)")
        parser.add_argument("--boilerplate_min_articles", "--boilerplate-min-articles", type=int, default=3,
                            help="remove a short paragraph once this many distinct articles of one site contain it "
                                 "(site-level boilerplate; 0 turns it off)")
        parser.add_argument("--entity_model", "--entity-model", action="append", default=[], metavar="LANG=MODEL",
                            help="entity model for a language: an installed spaCy package, a model directory, "
                                 "bundled:NAME or natasha; LANG=none leaves that language to the gazetteer (repeatable; "
                                 "defaults: en=bundled:en_ner, hi=bundled:hi_ner, fr=fr_core_news_sm, ru=natasha)")
        parser.add_argument("--entity_list", "--entity-list", action="append", default=[], metavar="PATH",
                            help="JSON-lines watch-list, one {id, label, names: {LANG: [...]}} per line; its id "
                                 "becomes the entity's kb_id (repeatable; every worker must be able to read it)")
        guard = parser.add_argument_group(
            "dead-letter guard (a systematic failure -- a bug, a missing model -- dead-letters everything: the run "
            "fails without committing instead)")
        guard.add_argument("--max_dead_letter_share", "--max-dead-letter-share", type=float,
                           default=DeadLetterGuard.max_share,
                           help="a run fails, committing nothing, when more than this share of its records are dead "
                                "letters of one stage and one error type (default %(default)s; 1 turns the guard "
                                "off); checked per micro-batch in local streaming")
        guard.add_argument("--dead_letter_guard_min_records", "--dead-letter-guard-min-records", type=int,
                           default=DeadLetterGuard.min_records,
                           help="runs (micro-batches) reading fewer records than this are never stopped by the "
                                "guard: one poison record alone is a dead letter, not a systematic failure "
                                "(default %(default)s)")
        limits = parser.add_argument_group("per-article limits (over a limit: a dead letter at stage 'limits' naming it)")
        limits.add_argument("--max_body_bytes", "--max-body-bytes", type=int, default=EnrichSettings.max_body_bytes,
                            help="raw body size")
        limits.add_argument("--max_decompressed_bytes", "--max-decompressed-bytes", type=int,
                            default=EnrichSettings.max_decompressed_bytes,
                            help="size of a gzip body once inflated (streamed with a cap: bombs are never inflated)")
        limits.add_argument("--max_dom_nodes", "--max-dom-nodes", type=int, default=EnrichSettings.max_dom_nodes,
                            help="elements in the parsed HTML")
        limits.add_argument("--max_text_chars", "--max-text-chars", type=int, default=EnrichSettings.max_text_chars,
                            help="characters of cleaned article text")
        limits.add_argument("--max_entities", "--max-entities", type=int, default=EnrichSettings.max_entities,
                            help="entities tagged in one article")
        limits.add_argument("--extract_timeout_ms", "--extract-timeout-ms", type=int,
                            default=EnrichSettings.extract_timeout_ms,
                            help="milliseconds of parsing and extraction per article, enforced by killing a worker "
                                 "process; 0 extracts in-process without a limit")
        limits.add_argument("--max_dead_letter_payload_bytes", "--max-dead-letter-payload-bytes", type=int,
                            default=DEFAULT_MAX_DEAD_LETTER_PAYLOAD_BYTES,
                            help="payload bytes a dead letter on the DLQ topic carries; a longer raw value is cut and "
                                 "its full size recorded in payload_truncated_from (the raw record stays replayable "
                                 "by its coordinates). The default fits Kafka's default 1 MB message limit; 0: no cap. "
                                 "Avro dead-letter files always carry the whole payload")
        limits.add_argument("--extract_memory_mb", "--extract-memory-mb", type=int,
                            default=EnrichSettings.extract_memory_mb,
                            help="address-space limit of the extraction worker process in MB: a page that needs more "
                                 "becomes a 'limits' dead letter instead of endangering the pipeline process; 0: no "
                                 "limit (needs --extract_timeout_ms > 0, which starts the worker)")


@dataclass(frozen=True)
class DeadLetterGuard:
    """When dead letters mean the pipeline is broken rather than the input.

    One record in a thousand failing is input; every record failing at the same stage with the same error type is a
    bug, a missing model or a broken dependency, and committing such a run would move the group past records that
    were never processed. The guard fails a run (or micro-batch) that read at least ``min_records`` records when
    more than ``max_share`` of them are dead letters of one (stage, error type). The default share, 0.9, still
    catches a systematic failure in a batch that also holds some garbage of another kind; a share of 1 turns the
    guard off (no share exceeds all records).
    """

    max_share: float = 0.9
    min_records: int = 20

    def __post_init__(self) -> None:
        if not 0 < self.max_share <= 1:
            raise ValueError(f"--max_dead_letter_share must be in (0, 1], got {self.max_share}")
        if self.min_records < 1:
            raise ValueError(f"--dead_letter_guard_min_records must be at least 1, got {self.min_records}")

    def tripped_by(self, read: int, dead_letters_by_cause: dict[str, int]) -> tuple[str, int] | None:
        """The (cause, count) that trips the guard for a run that read ``read`` records, or None."""
        if read < self.min_records:
            return None
        for cause, count in sorted(dead_letters_by_cause.items(), key=lambda item: -item[1]):
            if count > self.max_share * read:
                return cause, count
        return None


@dataclass(frozen=True)
class Output:
    kind: str  # "avro" or "kafka"
    target: str

    @classmethod
    def parse(cls, text: str) -> "Output":
        kind, separator, target = text.partition(":")
        if not separator or kind not in ("avro", "kafka") or not target:
            raise ConfigError(f"--output must be avro:DIR or kafka:TOPIC, got {text!r}")
        if kind == "kafka":
            try:
                topic_name(target)
            except ValueError as error:
                raise ConfigError(f"--output {text!r}: {error}") from error
        return cls(kind, target)


@dataclass(frozen=True)
class IngestConfig:
    kafka: KafkaSettings
    topics: Topics
    mode: str
    start: StartPosition
    until: datetime | None
    outputs: tuple[Output, ...]
    group: str | None
    chunk_records: int | None  # None: planned from the plan's records and ``workers``
    tag_entities: bool
    window_seconds: int = 60
    enrich: EnrichSettings = field(default_factory=EnrichSettings)
    max_dead_letter_payload_bytes: int = 0
    progress_s: float = 0.0
    entity_models: tuple[tuple[str, str | None], ...] = ()  # (language, model or None: gazetteer only)
    entity_lists: tuple[str, ...] = ()
    workers: int | None = None  # what the runner will run bundles on, when the flags say (see planned_workers)
    dead_letter_guard: DeadLetterGuard = field(default_factory=DeadLetterGuard)
    boilerplate: BoilerplateSettings | None = field(default_factory=BoilerplateSettings)  # None: off

    def entity_config(self):
        """The tagger's configuration: the default models with ``--entity_model`` applied, plus the watch-lists."""
        from presspipe.pipelines.enrich.entities.config import configured

        return configured(self.entity_models, self.entity_lists, self.enrich.max_entities)

    @property
    def streaming(self) -> bool:
        return self.mode == "streaming"

    @classmethod
    def from_options(cls, options: PipelineOptions) -> "IngestConfig":
        from presspipe.pipelines.runners import planned_workers  # runners.py imports this module (ConfigError)

        flags = options.view_as(PresspipeOptions)
        try:
            extra = dict(parse_client_option(text) for text in flags.kafka_option)
        except ValueError as error:
            raise ConfigError(str(error)) from error
        try:
            topics = Topics(raw=flags.raw_topic, articles=flags.articles_topic, dlq=flags.dlq_topic)
        except ValueError as error:
            raise ConfigError(str(error)) from error
        outputs = tuple(Output.parse(text) for text in flags.output) or (Output("kafka", topics.articles),)
        repeated = sorted({f"{output.kind}:{output.target}" for output in outputs if outputs.count(output) > 1})
        if repeated:
            raise ConfigError(f"--output given twice for {', '.join(repeated)}: its sinks would overwrite each other")
        try:
            guard = DeadLetterGuard(flags.max_dead_letter_share, flags.dead_letter_guard_min_records)
        except ValueError as error:
            raise ConfigError(str(error)) from error
        if flags.chunk_records is not None and flags.chunk_records < 1:
            raise ConfigError("--chunk_records must be at least 1")
        if flags.progress_s < 0:
            raise ConfigError(f"--progress_s must not be negative, got {flags.progress_s}")
        for flag, value in (("--max_body_bytes", flags.max_body_bytes),
                            ("--max_decompressed_bytes", flags.max_decompressed_bytes),
                            ("--max_dom_nodes", flags.max_dom_nodes), ("--max_text_chars", flags.max_text_chars),
                            ("--max_entities", flags.max_entities), ("--extract_timeout_ms", flags.extract_timeout_ms),
                            ("--extract_memory_mb", flags.extract_memory_mb),
                            ("--max_dead_letter_payload_bytes", flags.max_dead_letter_payload_bytes)):
            if value < 0:
                raise ConfigError(f"{flag} must not be negative, got {value}")
        config = cls(
            kafka=KafkaSettings.from_env(kafka_bootstrap_servers(options), extra_options=extra),
            topics=topics,
            mode=flags.mode,
            start=_start_position(flags),
            until=parse_time(flags.until, "--until"),
            outputs=outputs,
            group=flags.group,
            chunk_records=flags.chunk_records,
            tag_entities=not flags.no_entities,
            boilerplate=_boilerplate_settings(flags.boilerplate_min_articles),
            window_seconds=flags.window_seconds,
            max_dead_letter_payload_bytes=flags.max_dead_letter_payload_bytes,
            progress_s=flags.progress_s,
            entity_models=tuple(parse_entity_model(text) for text in flags.entity_model),
            entity_lists=tuple(check_entity_list(path) for path in flags.entity_list),
            workers=planned_workers(options),
            dead_letter_guard=guard,
            enrich=EnrichSettings(max_body_bytes=flags.max_body_bytes,
                                  max_decompressed_bytes=flags.max_decompressed_bytes,
                                  max_dom_nodes=flags.max_dom_nodes, max_text_chars=flags.max_text_chars,
                                  max_entities=flags.max_entities, extract_timeout_ms=flags.extract_timeout_ms,
                                  extract_memory_mb=flags.extract_memory_mb,
                                  accepted_http_statuses=parse_http_statuses(flags.accept_http_status),
                                  extraction=ExtractionOptions(recall_safety_net=not flags.no_recall_safety_net)),
        )
        if config.streaming:
            if config.until or config.start.kind in ("since", "offsets"):
                raise ConfigError("--until, --since and --offsets are for bounded runs (backfills, replays)")
            options.view_as(StandardOptions).streaming = True
        return config


def parse_http_statuses(texts: list[str]) -> tuple[int, ...]:
    """``--accept_http_status`` values (each may be a comma-separated list, as a template passes them)."""
    statuses = []
    for text in texts:
        for item in str(text).split(","):
            if not item.strip().isdigit() or not 100 <= int(item) <= 599:
                raise ConfigError(f"--accept_http_status must be HTTP status codes (100-599), got {text!r}")
            statuses.append(int(item))
    return tuple(dict.fromkeys(statuses))


def _boilerplate_settings(min_articles: int) -> BoilerplateSettings | None:
    if min_articles == 0:
        return None
    try:
        return BoilerplateSettings(min_articles=min_articles)
    except ValueError as error:
        raise ConfigError(f"--boilerplate_min_articles: {error}") from error


def check_flags(argv: Sequence[str]) -> None:
    """Refuse a flag that neither presspipe nor Beam defines (a ConfigError, exit code 2).

    Beam drops a flag it does not know with a warning, so ``--ouput avro:out/`` would silently write to the default
    topic. Known means registered in Beam's option registry -- every ``PipelineOptions`` subclass imported by now,
    presspipe's included -- parsed the way Beam parses them (``_BeamArgumentParser``, no abbreviations).
    """
    from apache_beam.options.pipeline_options import _BeamArgumentParser

    parser = _BeamArgumentParser(allow_abbrev=False)
    classes = {}
    for cls in PipelineOptions.__subclasses__():
        classes.setdefault(str(cls), cls)  # as Beam does: a class imported twice registers once
    for cls in classes.values():
        cls._add_argparse_args(parser)
    _, unknown = parser.parse_known_args(list(argv))
    flags = [text for text in unknown if text.startswith("-")]
    if flags:
        raise ConfigError("; ".join(_unknown_flag_message(text) for text in flags))
    if unknown:
        raise ConfigError(f"unexpected argument{'s' if len(unknown) > 1 else ''} {' '.join(unknown)!r} "
                          "(every pipeline setting is a --flag)")


def presspipe_flags() -> list[str]:
    parser = argparse.ArgumentParser(add_help=False)
    PresspipeOptions._add_argparse_args(parser)
    return [option for action in parser._actions for option in action.option_strings]


def _unknown_flag_message(text: str) -> str:
    name = text.split("=", 1)[0]
    closest = difflib.get_close_matches(name, presspipe_flags(), n=1, cutoff=0.6)
    hint = f"; did you mean {closest[0]}?" if closest else " (see --help; Beam's own flags are accepted too)"
    return f"unknown flag {name}{hint}"


def parse_entity_model(text: str) -> tuple[str, str | None]:
    """``--entity_model LANG=MODEL|none``, checked on the launching machine (a ConfigError is exit code 2)."""
    from presspipe.pipelines.enrich.entities.config import parse_model_override
    from presspipe.pipelines.enrich.entities.errors import EntityConfigError

    try:
        return parse_model_override(text)
    except EntityConfigError as error:
        raise ConfigError(f"--entity_model {text!r}: {error}") from error


def check_entity_list(path: str) -> str:
    """``--entity_list PATH``, parsed once here so that a malformed list stops the launch, not a worker."""
    from presspipe.pipelines.enrich.entities.config import check_entity_list as check
    from presspipe.pipelines.enrich.entities.errors import EntityConfigError

    try:
        return str(check(Path(path)))
    except EntityConfigError as error:
        raise ConfigError(f"--entity_list {path!r}: {error}") from error


def kafka_bootstrap_servers(options: PipelineOptions) -> str | None:
    """``--bootstrap-servers`` if given, else Beam's ``--bootstrap_servers`` unless it still holds Beam's default."""
    ours = options.view_as(PresspipeOptions).kafka_bootstrap_servers
    if ours:
        return ours
    beams = options.get_all_options().get("bootstrap_servers")
    return beams if beams and beams != BEAM_DEFAULT_BOOTSTRAP else None


def _start_position(flags: PresspipeOptions) -> StartPosition:
    since = parse_time(flags.since, "--since")
    chosen = [name for name, given in (("--from", flags.start_from), ("--since", since), ("--offsets", flags.offsets))
              if given]
    if len(chosen) > 1:
        raise ConfigError(f"choose one start: {' and '.join(chosen)} were given")
    window_start = next((name for name in chosen if name in ("--since", "--offsets")), None)
    if window_start and flags.group:
        # The run would commit the window's end for the group: every record between the group's committed offset
        # and the window's start would be skipped without ever being read.
        raise ConfigError(
            f"{window_start} with --group would commit the end of the window for group {flags.group!r} and skip "
            f"every record between the group's committed offsets and the window's start. A replay needs no group: "
            f"drop --group. To move the group on purpose, set its offsets first (kafka-consumer-groups.sh --group "
            f"{flags.group} --topic TOPIC --reset-offsets --to-datetime TIME|--to-offset N --execute), then run "
            f"with --group {flags.group} alone: it starts at the offsets you set")
    try:
        if since:
            return StartPosition("since", since=since)
        if flags.offsets:
            return StartPosition("offsets", offsets=parse_explicit_offsets(flags.offsets))
        kind = flags.start_from or ("committed" if flags.group else "earliest")
        return StartPosition(kind, group=flags.group)
    except ValueError as error:
        raise ConfigError(str(error)) from error


def parse_time(text: str | None, flag: str) -> datetime | None:
    """ISO-8601 (``Z`` allowed); a time without zone is UTC."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise ConfigError(f"{flag} must be an ISO-8601 time, got {text!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
