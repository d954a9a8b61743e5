"""IdP metadata: parse an ``EntityDescriptor`` and keep it fresh (single-flight, rollover-aware).

:func:`parse_idp_metadata` reads the entity ID, the SingleSignOnService endpoints per binding,
every signing certificate (several during a key rollover) and ``WantAuthnRequestsSigned``.
:class:`MetadataSource` loads it from a URL, a file or inline XML, caches it, and refetches on
demand (when a signature does not verify with any known certificate) with one fetch in flight.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from cryptography import x509

from ..cache import Cache
from ..errors import ConfigurationError, MalformedResponse, ProviderError
from ..http import HttpClient, redact_url
from ._xml import NS, children, parse, parse_instant, qn

__all__ = ["BINDING_POST", "BINDING_REDIRECT", "IdPMetadata", "MetadataSource", "parse_idp_metadata"]

BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


@dataclasses.dataclass(frozen=True, slots=True)
class IdPMetadata:
    """What an SP needs from an IdP's metadata."""

    entity_id: str
    sso: dict[str, str]
    """SingleSignOnService ``Location`` per binding URI (first one listed wins)."""
    signing_certs: tuple[x509.Certificate, ...]
    want_authn_requests_signed: bool = False
    signature_methods: tuple[str, ...] = ()
    """``alg:SigningMethod`` algorithms the IdP advertises, if any."""

    def sso_url(self, binding: str) -> str:
        """The SSO endpoint for ``binding`` (:class:`ConfigurationError` if absent)."""
        try:
            return self.sso[binding]
        except KeyError:
            raise ConfigurationError(
                f"the IdP metadata has no SingleSignOnService for {binding.rsplit(':', 1)[-1]}",
                code="saml.binding_unsupported",
            ) from None


def _cert(text: str | None) -> x509.Certificate:
    raw = "".join((text or "").split())
    try:
        return x509.load_der_x509_certificate(base64.b64decode(raw, validate=True))
    except ValueError:
        raise MalformedResponse(
            "the IdP metadata holds an unreadable X509Certificate", code="saml.metadata_invalid"
        ) from None


def parse_idp_metadata(
    data: bytes | str,
    *,
    entity_id: str | None = None,
    signing_cert: x509.Certificate | None = None,
    now: dt.datetime | None = None,
) -> IdPMetadata:
    """Parse IdP metadata (an ``EntityDescriptor``, or an ``EntitiesDescriptor`` with ``entity_id``).

    With ``signing_cert``, the document must carry a valid enveloped signature by that
    certificate, and only the signed content is read. A ``validUntil`` in the past is refused.

    Raises:
        MalformedResponse: ``saml.metadata_invalid`` / ``saml.metadata_expired`` (or an XML code);
        TokenValidationError: ``saml.*`` signature codes when ``signing_cert`` does not verify it.
    """
    root = parse(data.encode() if isinstance(data, str) else data, what="IdP metadata", limit=4 * 1024 * 1024)
    now = now or dt.datetime.now(dt.UTC)
    if signing_cert is not None:
        from .signature import verify_enveloped

        root = verify_enveloped(root, (signing_cert,), allow_sha1=False, now=now)
    valid_until = root.get("validUntil")
    if valid_until is not None and parse_instant(valid_until, what="validUntil") <= now:
        raise MalformedResponse("the IdP metadata has expired (validUntil)", code="saml.metadata_expired")
    if root.tag == qn("md", "EntitiesDescriptor"):
        found = [
            e
            for e in root.iter(qn("md", "EntityDescriptor"))
            if entity_id is None or e.get("entityID") == entity_id
        ]
        if len(found) != 1:
            raise MalformedResponse(
                "pick one IdP of this metadata aggregate with idp_entity_id", code="saml.metadata_invalid"
            )
        root = found[0]
    if root.tag != qn("md", "EntityDescriptor"):
        raise MalformedResponse("IdP metadata is not an EntityDescriptor", code="saml.metadata_invalid")
    eid = root.get("entityID") or ""
    if not eid or (entity_id is not None and eid != entity_id):
        raise MalformedResponse("IdP metadata has an unexpected entityID", code="saml.metadata_invalid")
    idps = children(root, "md", "IDPSSODescriptor")
    if len(idps) != 1:
        raise MalformedResponse("IdP metadata needs one IDPSSODescriptor", code="saml.metadata_invalid")
    idp = idps[0]
    sso: dict[str, str] = {}
    for svc in children(idp, "md", "SingleSignOnService"):
        binding, location = svc.get("Binding"), svc.get("Location")
        if binding and location and binding not in sso:
            sso[binding] = location
    certs: list[x509.Certificate] = []
    for kd in children(idp, "md", "KeyDescriptor"):
        if kd.get("use") not in (None, "signing"):
            continue
        for el in kd.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NS):
            cert = _cert(el.text)
            if cert not in certs:
                certs.append(cert)
    if not certs:
        raise MalformedResponse("IdP metadata has no signing certificate", code="saml.metadata_invalid")
    if not sso:
        raise MalformedResponse("IdP metadata has no SingleSignOnService", code="saml.metadata_invalid")
    methods = tuple(
        m.get("Algorithm") or ""
        for m in root.iter("{urn:oasis:names:tc:SAML:metadata:algsupport}SigningMethod")
        if m.get("Algorithm")
    )
    return IdPMetadata(
        entity_id=eid,
        sso=sso,
        signing_certs=tuple(certs),
        want_authn_requests_signed=idp.get("WantAuthnRequestsSigned") in ("true", "1"),
        signature_methods=methods,
    )


class MetadataSource:
    """IdP metadata from a URL, a file or inline XML, cached for ``ttl`` seconds.

    :meth:`get` returns the cached copy (loading it once, single-flight); :meth:`refresh` refetches
    unless a copy newer than ``newer_than`` exists (many failed verifications, one fetch).
    """

    def __init__(
        self,
        *,
        http: HttpClient,
        url: str | None = None,
        path: str | None = None,
        xml: str | None = None,
        entity_id: str | None = None,
        signing_cert: x509.Certificate | None = None,
        cache: Cache | None = None,
        ttl: float = 3600.0,
        min_refresh_interval: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http, self._url, self._path, self._xml = http, url, path, xml
        self._entity_id, self._signing_cert = entity_id, signing_cert
        self._cache = cache
        self._forced = False
        self._ttl, self._min_interval, self._clock = ttl, min_refresh_interval, clock
        self._current: tuple[IdPMetadata, float] | None = None
        self._task: asyncio.Task[tuple[IdPMetadata, float]] | None = None

    @property
    def fetched_at(self) -> float:
        """When the cached copy was loaded (0 when none)."""
        return self._current[1] if self._current else 0.0

    async def get(self) -> IdPMetadata:
        """The metadata, loaded once and reloaded after ``ttl``."""
        cur = self._current
        if cur is not None and self._clock() - cur[1] < self._ttl:
            return cur[0]
        return await self.refresh(newer_than=cur[1] if cur else -1.0)

    async def refresh(self, *, newer_than: float) -> IdPMetadata:
        """Reload unless a copy loaded after ``newer_than`` (or within the minimum interval) exists."""
        cur = self._current
        if cur is not None and (cur[1] > newer_than or self._clock() - cur[1] < self._min_interval):
            return cur[0]
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._load(force=cur is not None))
        try:
            meta, when = await asyncio.shield(self._task)
        except ProviderError:
            if cur is not None:  # stale-if-error: keep the last good copy
                return cur[0]
            raise
        self._current = (meta, when)
        return meta

    async def _load(self, *, force: bool = False) -> tuple[IdPMetadata, float]:
        fetched = False
        if self._xml is not None:
            data = self._xml.encode()
        elif self._path is not None:
            try:
                data = await asyncio.to_thread(Path(self._path).read_bytes)
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot read the IdP metadata file ({type(exc).__name__})",
                    code="saml.metadata_unavailable",
                ) from None
        elif self._url is not None:
            data, fetched = await self._fetch_url(self._url, force=force)
        else:
            raise ConfigurationError("no IdP metadata source", code="saml.metadata_unavailable")
        now = self._clock()
        meta = parse_idp_metadata(
            data,
            entity_id=self._entity_id,
            signing_cert=self._signing_cert,
            now=dt.datetime.fromtimestamp(now, tz=dt.UTC),
        )
        if fetched and self._cache is not None and self._url is not None:
            # only a usable document is shared; a failing cache only costs other workers a fetch
            with contextlib.suppress(Exception):
                await self._cache.set("saml-metadata:" + self._url, data, self._ttl)
        return meta, now

    async def _fetch_url(self, url: str, *, force: bool) -> tuple[bytes, bool]:
        """``(document, fetched)``: from the shared cache (another worker's fetch) unless ``force``."""
        if not force:
            cached = await _cache_get(self._cache, "saml-metadata:" + url)
            if cached is not None:
                return cached, False
        resp = await self._http.get(url, headers={"Accept": "application/samlmetadata+xml, */*"})
        if resp.status != 200:
            raise ProviderError(
                f"{redact_url(url)} answered HTTP {resp.status}", code="saml.metadata_unavailable"
            )
        return resp.body, True


async def _cache_get(cache: Cache | None, key: str) -> bytes | None:
    if cache is None:
        return None
    try:
        return await cache.get(key)
    except Exception:  # a failing shared cache only costs a fetch
        return None


def certificate_expiry(cert: x509.Certificate) -> dt.datetime:
    """When ``cert`` stops being valid (UTC)."""
    return cert.not_valid_after_utc
