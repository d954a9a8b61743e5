"""The ``saml`` connector: SAML 2.0 Web Browser SSO against one IdP (SP-initiated)."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from ..connector import CheckResult, Connector
from ..continuation import Continuation
from ..errors import FlowError, IdpBridgeError
from ..identity import ClaimSource, Identity, TokenSet
from ..methods import FinishSAML, Method, StartSAML
from ..outcomes import Authenticated, Outcome, PostRequired, RedirectRequired
from ..replay import claim_step
from .attributes import resolve_map
from .config import SAMLConfig
from .crypto import load_certificate, load_private_key
from .metadata import BINDING_POST, BINDING_REDIRECT, MetadataSource
from .request import build_authn_request, new_request_id, post_fields, redirect_url
from .response import Expected, SAMLAssertion, validate_response
from .signature import UnknownSigningKey, allowed_algorithms

__all__ = ["SAMLConnector"]


class SAMLConnector(Connector[SAMLConfig]):
    """A SAML 2.0 IdP. ``StartSAML`` -> redirect or POST form; ``FinishSAML`` -> ``Authenticated``."""

    name = "saml"
    title = "SAML 2.0 IdP"
    methods = frozenset({Method.SAML})
    Config = SAMLConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        c = self.config
        self.metadata = MetadataSource(
            http=self.http,
            url=c.idp_metadata_url,
            path=c.idp_metadata_file,
            xml=c.idp_metadata_xml,
            entity_id=c.idp_entity_id,
            signing_cert=load_certificate(c.idp_metadata_signing_cert, what="idp_metadata_signing_cert")
            if c.idp_metadata_signing_cert
            else None,
            cache=self.cache,
            ttl=c.metadata_ttl,
            clock=self.clock,
        )
        what = f"connector {self.instance_name!r}"
        self._signing_key = (
            load_private_key(c.sp_signing_key, what=what + " sp_signing_key")
            if (c.sp_signing_key is not None)
            else None
        )
        self._decryption_key = (
            load_private_key(c.sp_decryption_key, what=what + " sp_decryption_key")
            if (c.sp_decryption_key is not None)
            else None
        )

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), tz=dt.UTC)

    async def start_saml(self, request: StartSAML) -> Outcome:
        """Build the AuthnRequest for the configured (or requested) binding."""
        meta = await self.metadata.get()
        binding = request.binding or self.config.authn_request_binding
        sso = meta.sso_url(BINDING_POST if binding == "post" else BINDING_REDIRECT)
        request_id, relay_state = new_request_id(), secrets.token_urlsafe(24)
        authn = build_authn_request(
            request_id=request_id,
            issue_instant=self._now(),
            destination=sso,
            sp_entity_id=self.config.sp_entity_id,
            acs_url=self.config.acs_url,
            name_id_format=self.config.name_id_format,
            force_authn=request.force_authn,
        )
        key = self._signing_key if self.config.sign_authn_requests else None
        continuation, expires_at = self.seal(
            Method.SAML, {"rid": request_id, "rs": relay_state, "acs": self.config.acs_url}
        )
        if binding == "post":
            fields = post_fields(authn, relay_state, key=key, cert_pem=self.config.sp_signing_cert)
            return PostRequired(url=sso, fields=fields, continuation=continuation, expires_at=expires_at)
        url = redirect_url(sso, authn, relay_state, key=key)
        return RedirectRequired(url=url, continuation=continuation, expires_at=expires_at)

    async def finish_saml(self, request: FinishSAML, continuation: Continuation) -> Outcome:
        """Validate the POSTed response against the sealed request; single-use assertion IDs."""
        data = continuation.data
        sealed_rs = str(data.get("rs", ""))
        if request.relay_state is None or not hmac.compare_digest(
            request.relay_state.encode(), sealed_rs.encode()
        ):
            raise FlowError("RelayState does not match this sign-in", code="saml.relay_state")
        await self.consume_continuation(continuation)
        expected = Expected(
            request_id=str(data["rid"]),
            acs_url=str(data["acs"]),
            sp_entity_id=self.config.sp_entity_id,
            now=self._now(),
            skew=dt.timedelta(seconds=self.config.clock_skew),
            want_assertions_signed=self.config.want_assertions_signed,
            want_response_signed=self.config.want_response_signed,
            allow_sha1=self.config.allow_sha1,
            decryption_key=self._decryption_key,
        )
        raw = request.saml_response.get_secret_value()
        meta = await self.metadata.get()
        try:
            assertion = validate_response(raw, meta, expected)
        except UnknownSigningKey:  # the IdP may have re-keyed: refetch once, then decide
            meta = await self.metadata.refresh(newer_than=self.metadata.fetched_at)
            assertion = validate_response(raw, meta, expected)
        ttl = (assertion.not_on_or_after - expected.now).total_seconds() + self.config.clock_skew + 1
        key = f"saml-assertion:{assertion.issuer}:{assertion.assertion_id}"
        if not await claim_step(self.replay_store, key, max(1.0, ttl), connector=self.instance_name):
            raise FlowError("this SAML assertion was already used", code="saml.replayed")
        return Authenticated(
            identity=self._identity(assertion), tokens=self._tokens(assertion), method=Method.SAML
        )

    def _identity(self, a: SAMLAssertion) -> Identity:
        amap = resolve_map(
            self.config.attribute_preset, {k: tuple(v) for k, v in self.config.attribute_map.items()}
        )
        by_friendly = {f: n for n, f in a.friendly_names.items()}

        def values(field: str) -> list[str]:
            for cand in amap.get(field, ()):
                name = cand if cand in a.attributes else by_friendly.get(cand)
                if name is not None and a.attributes.get(name):
                    return a.attributes[name]
            return []

        def first(field: str) -> str | None:
            found = values(field)
            return found[0] if found else None

        claims: dict[str, Any] = {name: list(v) for name, v in a.attributes.items()}
        claims.update(
            {
                "saml:name_id": a.name_id,
                "saml:name_id_format": a.name_id_format,
                "saml:name_qualifier": a.name_qualifier,
                "saml:sp_name_qualifier": a.sp_name_qualifier,
                "saml:session_index": a.session_index,
                "saml:authn_context": a.authn_context,
                "saml:assertion_id": a.assertion_id,
            }
        )
        claims = {k: v for k, v in claims.items() if v is not None}
        return Identity(
            provider=self.name,
            connector=self.instance_name,
            issuer=a.issuer,
            subject=a.name_id,
            email=first("email"),
            username=first("username"),
            name=first("name"),
            given_name=first("given_name"),
            family_name=first("family_name"),
            groups=tuple(values("groups")),
            roles=tuple(values("roles")),
            amr=(a.authn_context,) if a.authn_context else (),
            auth_time=a.authn_instant,
            claims=claims,
            sources=dict.fromkeys(claims, ClaimSource.SAML_ASSERTION),
        )

    @staticmethod
    def _tokens(a: SAMLAssertion) -> TokenSet:
        extra = {"session_index": a.session_index} if a.session_index else {}
        return TokenSet(token_type="saml2", expires_at=a.not_on_or_after, extra=extra)

    async def probes(self) -> list[CheckResult]:
        """Fetch and parse the metadata; report certificate expiry and algorithm mismatches."""
        results = await super().probes()
        try:
            meta = await self.metadata.get()
        except IdpBridgeError as exc:
            return [*results, CheckResult("metadata", False, exc.message)]
        results.append(
            CheckResult("metadata", True, f"IdP {meta.entity_id}: {len(meta.signing_certs)} signing cert(s)")
        )
        now = self._now()
        for i, cert in enumerate(meta.signing_certs):
            left = cert.not_valid_after_utc - now
            ok = left > dt.timedelta(days=14)
            detail = f"signing cert #{i + 1} expires {cert.not_valid_after_utc:%Y-%m-%d} ({left.days} days)"
            results.append(CheckResult(f"certificate_{i + 1}", ok, detail))
        allowed, _ = allowed_algorithms(allow_sha1=self.config.allow_sha1)
        if meta.signature_methods and not set(meta.signature_methods) & allowed:
            results.append(
                CheckResult("algorithms", False, "the IdP advertises no signature algorithm this SP accepts")
            )
        else:
            results.append(CheckResult("algorithms", True, "signature algorithms compatible"))
        if meta.want_authn_requests_signed and not self.config.sign_authn_requests:
            results.append(
                CheckResult(
                    "authn_request_signing",
                    False,
                    "the IdP wants signed AuthnRequests: set sign_authn_requests",
                )
            )
        return results
