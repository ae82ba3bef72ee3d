"""Announced web pages → raw records, shared by every connector that learns URLs from a listing (feeds, sitemaps).

The listing connector says *which* pages exist (a ``PageLead`` with hints and the date the source announced);
``PageFetcher`` decides what to fetch and what to produce:

- a page produced before and not announced as newer since is skipped without a request;
- a page announced as newer is fetched with a conditional GET; a 304, or a body with the same SHA-256 as the one
  produced, is skipped (an unchanged page is never produced twice);
- a page body over the client's ``max_bytes`` is kept cut at the cap and its record flagged truncated (reason
  ``max_bytes``, an id of its own: ``build_raw_article``), so the pipeline flags or dead-letters it; listings
  themselves are fetched whole or refused by their connectors;
- a page whose record the broker acknowledged is recorded in the state (``acknowledged``), and the listing it came
  from is committed only when all of its pages are settled (``PendingGroups``).
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Iterable, Iterator

from presspipe.connectors.base import FetchFailure, FetchResult, FetchSkipped, build_raw_article
from presspipe.connectors.http_client import FetchError, FetchedResponse, PoliteClient
from presspipe.connectors.state import ConnectorState, PendingGroups, Validators, content_hash
from presspipe.schemas import Hints, RawArticle

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True)
class PageLead:
    """A page a listing announced: its URL, the listing it came from, the listing's hints and date."""

    url: str
    group: str
    hints: Hints | None = None
    announced: datetime | None = None


@dataclass(frozen=True)
class _Produced:
    url: str
    validators: Validators
    digest: str
    announced: datetime | None
    group: str


class PageFetcher:
    """Fetches leads through a ``PoliteClient`` (``workers`` at once; per-host limits are the client's)."""

    def __init__(self, connector: str, source_name: str, client: PoliteClient, state: ConnectorState,
                 pending: PendingGroups, workers: int = 8, batch: int = 64):
        self.connector = connector
        self.source_name = source_name
        self.client = client
        self.state = state
        self.pending = pending
        self.workers = workers
        self.batch = batch
        self._awaiting_ack: dict[str, deque[_Produced]] = defaultdict(deque)
        self._in_flight: set[str] = set()

    def fetch_pages(self, leads: Iterable[PageLead]) -> Iterator[FetchResult]:
        """One result per lead, in the leads' order; pages are fetched ``workers`` at a time."""
        leads = iter(leads)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=f"{self.connector}-fetch") as pool:
            while chunk := list(islice(leads, self.batch)):
                to_fetch = []
                for lead in chunk:
                    skip = self._skip_reason(lead)
                    if skip:
                        yield FetchSkipped(lead.url, skip)
                    else:
                        self._in_flight.add(lead.url)
                        to_fetch.append(lead)
                for lead, outcome in zip(to_fetch, pool.map(self._fetch_one, to_fetch)):
                    yield self._result(lead, outcome)

    def acknowledged(self, raw: RawArticle) -> None:
        """The broker has ``raw``: remember the page as produced and let its listing settle."""
        queue = self._awaiting_ack.get(raw.id)
        if not queue:
            return
        produced = queue.popleft()
        if not queue:
            del self._awaiting_ack[raw.id]
        self.state.mark_produced(produced.url, produced.validators, produced.digest, produced.announced)
        self._in_flight.discard(produced.url)
        self.pending.acknowledge(produced.url)

    def _skip_reason(self, lead: PageLead) -> str | None:
        if lead.url in self._in_flight:
            return "already fetched in this run"
        known = self.state.page(lead.url)
        if known is None or not known.produced:
            return None
        if lead.announced is None or (known.announced is not None and lead.announced <= known.announced):
            return "already produced and not announced as changed"
        return None

    def _fetch_one(self, lead: PageLead) -> FetchedResponse | FetchError:
        known = self.state.page(lead.url)
        validators = known.validators if known is not None and known.produced else Validators()
        try:
            return self.client.get(lead.url, validators, cut_at_cap=True)
        except FetchError as error:
            return error

    def _result(self, lead: PageLead, outcome: FetchedResponse | FetchError) -> FetchResult:
        if isinstance(outcome, FetchError):
            self._in_flight.discard(lead.url)
            if outcome.transient:
                self.pending.spoil(lead.group)
            return FetchFailure(lead.url, str(outcome), type(outcome).__name__)
        known = self.state.page(lead.url)
        digest = content_hash(outcome.body)
        if outcome.not_modified or (known is not None and known.produced and known.content_hash == digest):
            self._in_flight.discard(lead.url)
            self.state.mark_unchanged(lead.url, lead.announced)
            return FetchSkipped(lead.url, "unchanged since it was produced")
        if outcome.content_type not in HTML_TYPES:
            self._in_flight.discard(lead.url)
            return FetchFailure(lead.url, f"not an HTML page ({outcome.content_type})", "UnsupportedContentType")
        raw = build_raw_article(
            connector=self.connector, source_name=self.source_name, body=outcome.body,
            content_type=outcome.content_type, url=outcome.final_url, charset=outcome.charset,
            http_status=outcome.status, hints=lead.hints, truncation_reason="max_bytes" if outcome.truncated else None,
            headers={**outcome.headers, "x-presspipe-listing": lead.group, "x-presspipe-requested-url": lead.url,
                     "x-presspipe-http-version": outcome.http_version})
        self._awaiting_ack[raw.id].append(_Produced(lead.url, outcome.validators, digest, lead.announced, lead.group))
        self.pending.add(lead.group, lead.url)
        return raw
