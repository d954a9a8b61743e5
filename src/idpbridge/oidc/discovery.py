"""OpenID Connect Discovery: fetch, validate and cache provider metadata.

One :class:`Discovery` serves any number of issuers. Documents are cached per URL in the
:class:`~idpbridge.cache.Cache` backend (in-memory by default, Redis for many workers), fresh
for the server's ``Cache-Control: max-age`` within ``[min_ttl, max_ttl]``; a thousand
concurrent cold calls make one request (single-flight); when a refetch fails the last good
document is served (stale-if-error).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Final

from ..cache import Cache
from ..http import HttpClient
from ._cached import CachedFetcher, Entry
from .metadata import ProviderMetadata

__all__ = ["Discovery", "discovery_url"]

_WELL_KNOWN = "/.well-known/openid-configuration"


class _Default:
    def __repr__(self) -> str:
        return "<issuer>"


#: Sentinel: "expect the document's issuer to be the ``issuer`` argument".
SAME_AS_ISSUER: Final = _Default()


def discovery_url(issuer: str) -> str:
    """OIDC Discovery §4: the well-known path is appended after the issuer's path."""
    return issuer.rstrip("/") + _WELL_KNOWN


_Overrides = Mapping[str, str | Sequence[str] | bool]
_Parsed = tuple[Entry, ProviderMetadata, tuple[_Overrides, ProviderMetadata] | None]


class Discovery:
    """Fetches and caches :class:`ProviderMetadata`."""

    def __init__(
        self,
        http: HttpClient,
        cache: Cache,
        *,
        clock: Callable[[], float] = time.time,
        min_ttl: float = 300,
        max_ttl: float = 86400,
        default_ttl: float = 3600,
        stale_ttl: float = 86400,
    ) -> None:
        self._fetcher = CachedFetcher(
            http,
            cache,
            namespace="idpbridge:oidc:discovery:",
            clock=clock,
            min_ttl=min_ttl,
            max_ttl=max_ttl,
            default_ttl=default_ttl,
            stale_ttl=stale_ttl,
        )
        # (url, expected issuer) -> (entry the metadata was built from, metadata, the last
        # overrides applied to it and their result)
        self._parsed: dict[tuple[str, str | None], _Parsed] = {}

    async def get(
        self,
        issuer: str,
        *,
        url: str | None = None,
        overrides: _Overrides | None = None,
        expected_issuer: str | _Default | None = SAME_AS_ISSUER,
    ) -> ProviderMetadata:
        """Metadata for ``issuer``.

        ``url`` defaults to ``issuer`` + ``/.well-known/openid-configuration``.
        ``expected_issuer`` is what the document's ``issuer`` must be exactly (default:
        ``issuer``; ``None`` skips the check — only for documents whose issuer is a template,
        which an issuer policy then checks per token). ``overrides`` replace discovered values.

        Raises :class:`~idpbridge.ConfigurationError` (``config.issuer_mismatch``),
        :class:`~idpbridge.MalformedResponse`, or another
        :class:`~idpbridge.ProviderError` when no document can be had.
        """
        target = url or discovery_url(issuer)
        expected = issuer if isinstance(expected_issuer, _Default) else expected_issuer
        entry = await self._fetcher.get(target)
        memo = self._parsed.get((target, expected))
        if memo is None or memo[0] is not entry:
            memo = (entry, ProviderMetadata.from_document(entry.doc, expected_issuer=expected), None)
            self._parsed[(target, expected)] = memo
        return self._overridden(target, expected, memo, overrides)

    def cached(
        self,
        issuer: str,
        *,
        url: str | None = None,
        overrides: _Overrides | None = None,
        expected_issuer: str | _Default | None = SAME_AS_ISSUER,
    ) -> ProviderMetadata | None:
        """What :meth:`get` returns when that needs no I/O and no parsing (the document is fresh
        and was read before), else ``None``. Never raises."""
        target = url or discovery_url(issuer)
        expected = issuer if isinstance(expected_issuer, _Default) else expected_issuer
        memo = self._parsed.get((target, expected))
        if memo is None or memo[0] is not self._fetcher.fresh(target):
            return None
        _, metadata, last = memo
        if not overrides:
            return metadata
        return last[1] if last is not None and last[0] is overrides else None

    def _overridden(
        self,
        target: str,
        expected: str | None,
        memo: _Parsed,
        overrides: _Overrides | None,
    ) -> ProviderMetadata:
        """The memo's metadata with ``overrides`` applied (the result kept for the same overrides)."""
        entry, metadata, last = memo
        if not overrides:
            return metadata
        if last is not None and last[0] is overrides:
            return last[1]
        result = metadata.with_overrides(overrides)
        self._parsed[(target, expected)] = (entry, metadata, (overrides, result))
        return result
