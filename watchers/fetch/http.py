"""The one polite HTTP fetcher every watcher shares.

Timeout, User-Agent, gzip, conditional GET, a body-size cap counted after decompression (so a gzip bomb
stops at the cap), at most `max_redirects` redirects followed by hand so each hop is checked, and the
address guard.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self
from urllib.parse import urljoin

import aiohttp
from yarl import URL

from watchers.fetch.address_guard import AddressRefused, GuardedResolver, check_literal_host
from watchers.fetch.host_limits import HostLimits


@dataclass(frozen=True)
class FetchConfig:
    timeout_seconds: float = 20.0
    max_bytes: int = 10_000_000
    user_agent: str = "milestone-bot/0.1 (+https://github.com/milestone-bot; ops@example.org)"
    allow_private_addresses: bool = False
    max_redirects: int = 5
    # Literal addresses ("10.0.0.5" or "10.0.0.5:8080") exempt from the guard, e.g. an intranet feed server.
    private_allowlist: frozenset[str] = frozenset()
    # Politeness per host across every source (watchers/fetch/host_limits.py). The app sets 2 and 4 (settings
    # HOST_REQUESTS_PER_SECOND, HOST_CONCURRENCY); unset here (0: unpaced) so tests and benches choose their own.
    host_requests_per_second: float = 0.0
    host_concurrency: int = 1000
    host_rates: tuple[tuple[str, float], ...] = ()  # hosts with their own pace, e.g. (("www.sec.gov", 10.0),)


@dataclass
class FetchResult:
    url: str
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    not_modified: bool = False

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("Last-Modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


class FetchError(Exception):
    """A fetch that failed; `str(error)` is one clear line for the user and the source's health. `network` is
    True when no answer came at all (refused, DNS, timeout, connection dropped): the poll cycle tells the source's
    own outage from ours with it."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None,
                 *, network: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.network = network


_REDIRECTS = {301, 302, 303, 307, 308}


class Fetcher:
    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None
        self.hosts = HostLimits(config.host_requests_per_second, config.host_concurrency, dict(config.host_rates))

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def start(self) -> None:
        if self._session is None:
            resolver = None if self.config.allow_private_addresses else GuardedResolver()
            connector = aiohttp.TCPConnector(resolver=resolver, limit=64, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.config.user_agent, "Accept-Encoding": "gzip, deflate"},
                # No timer of aiohttp's own: `get` bounds the whole fetch, every hop and the body, with one
                # (asyncio.timeout), which always runs out first; a second per request cost a tenth of a 304.
                timeout=aiohttp.ClientTimeout(),
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET with conditional headers; raises FetchError with a one-line reason on any failure. `max_bytes`
        lowers the body cap for this request (the configured cap is the default)."""
        if self._session is None:
            await self.start()
        assert self._session is not None
        request_headers = dict(headers or {})
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        current = URL(url)
        if params:
            current = current.update_query(params)
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                for _hop in range(self.config.max_redirects + 1):
                    self._check_url(current)
                    host = current.host or ""
                    async with self.hosts.slot(host), self._session.get(
                        current, headers=request_headers, allow_redirects=False
                    ) as resp:
                        self.hosts.answered(host, resp.status, _retry_after(resp.headers.get("Retry-After")))
                        if resp.status in _REDIRECTS:
                            location = resp.headers.get("Location")
                            if not location:
                                raise FetchError(f"HTTP {resp.status} redirect without a Location header")
                            try:
                                current = URL(urljoin(str(current), location))
                            except ValueError:
                                raise FetchError(f"HTTP {resp.status} redirect to an invalid URL") from None
                            continue
                        return await self._finish(str(current), resp, max_bytes or self.config.max_bytes)
                raise FetchError(f"too many redirects (more than {self.config.max_redirects})")
        except FetchError:
            raise
        except AddressRefused as exc:
            raise FetchError(str(exc)) from None
        except TimeoutError:
            raise FetchError(f"timed out after {self.config.timeout_seconds:g} s", network=True) from None
        except aiohttp.ClientConnectorError as exc:
            cause = exc.os_error if isinstance(getattr(exc, "os_error", None), AddressRefused) else None
            if cause is not None:
                raise FetchError(str(cause)) from None
            detail = exc.strerror or redact_urls(str(exc))
            raise FetchError(f"cannot connect to {exc.host}:{exc.port}: {detail}", network=True) from None
        except aiohttp.ClientError as exc:
            refused = _find_refusal(exc)
            if refused is not None:
                raise FetchError(str(refused)) from None
            raise FetchError(f"HTTP error: {type(exc).__name__}: {redact_urls(str(exc))}",
                             network=isinstance(exc, aiohttp.ClientConnectionError)) from None

    def _check_url(self, url: URL) -> None:
        if url.scheme not in ("http", "https"):
            raise FetchError(f"refused: only http and https URLs are fetched, not {url.scheme or 'no scheme'}:")
        if not url.host:
            raise FetchError("refused: the URL has no host")
        if not self.config.allow_private_addresses and not self._allowlisted(url):
            try:
                check_literal_host(url.host)
            except AddressRefused as exc:
                raise FetchError(str(exc)) from None

    def _allowlisted(self, url: URL) -> bool:
        host = (url.host or "").strip("[]")
        return host in self.config.private_allowlist or f"{host}:{url.port}" in self.config.private_allowlist

    async def _finish(self, url: str, resp: aiohttp.ClientResponse, limit: int) -> FetchResult:
        headers = resp.headers.copy()  # case-insensitive, like HTTP
        if resp.status == 304:
            return FetchResult(url=url, status=304, headers=headers, not_modified=True)
        if resp.status >= 400:
            retry_after = _retry_after(resp.headers.get("Retry-After"))
            raise FetchError(f"HTTP {resp.status} {resp.reason or ''}".strip(), resp.status, retry_after)
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit and "Content-Encoding" not in resp.headers:
            raise FetchError(f"response too large: {int(declared):,} bytes (limit {limit:,})")
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(65536):
            size += len(chunk)
            if size > limit:
                raise FetchError(f"response too large: over {limit:,} bytes")
            chunks.append(chunk)
        return FetchResult(url=url, status=resp.status, body=b"".join(chunks), headers=headers)


_URL_QUERY = re.compile(r"(\bhttps?://[^\s?#'\"<>]*)\?[^\s#'\"<>]*", re.I)


def redact_urls(text: str) -> str:
    """Drop query strings from URLs in a message: openFDA's api_key (and any other secret) travels there, and
    FetchError text is stored as a source's last_error, logged and shown to users."""
    return _URL_QUERY.sub(r"\1?…", text)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _find_refusal(exc: BaseException) -> AddressRefused | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, AddressRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
