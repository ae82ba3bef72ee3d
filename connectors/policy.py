"""The fetching policy of the HTTP connectors (feeds, sitemaps), kept apart from the HTTP client so the command line
can show its defaults without importing the connectors' optional dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from presspipe.core.version import __version__

PROJECT_URL = "https://github.com/presspipe/presspipe"
USER_AGENT = f"presspipe/{__version__} (+{PROJECT_URL})"


@dataclass(frozen=True)
class FetchPolicy:
    """Politeness and safety limits for one run; the defaults suit a news site that did not invite us."""

    user_agent: str = USER_AGENT
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0
    retries: int = 2
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    per_host_concurrency: int = 2
    per_host_delay_s: float = 1.0
    max_crawl_delay_s: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 10
    respect_robots: bool = True
    http2: bool = True

    def __post_init__(self) -> None:
        if self.per_host_concurrency < 1 or self.retries < 0 or self.max_bytes < 1:
            raise ValueError("per_host_concurrency >= 1, retries >= 0 and max_bytes >= 1 are required")
