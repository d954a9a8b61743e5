"""The browser side of a flow: the flow cookie (or hidden field) and the CSRF cookie and field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import FlowError
from ._http import Cookie, WebRequest
from ._signing import FlowValue, Signer

__all__ = ["Carrier"]


class Carrier:
    """Mints and reads the signed cookies of one mount path (``<prefix>_flow``, ``<prefix>_csrf``)."""

    __slots__ = ("csrf_cookie", "flow_cookie", "path", "secure", "signer")

    def __init__(self, signer: Signer, *, path: str, secure: bool, prefix: str) -> None:
        self.signer, self.path, self.secure = signer, path, secure
        self.flow_cookie, self.csrf_cookie = f"{prefix}_flow", f"{prefix}_csrf"

    # -- CSRF ---------------------------------------------------------------------------------------

    def csrf(self, request: WebRequest) -> tuple[dict[str, str], list[Cookie]]:
        """The hidden CSRF field, plus a fresh cookie when the browser holds no valid one."""
        if request.framework_csrf is not None:
            field, token = request.framework_csrf
            return {field: token}, []
        current = request.cookies.get(self.csrf_cookie)
        if self.signer.csrf_valid(current):
            return {"csrf_token": str(current)}, []
        token = self.signer.new_csrf()
        return {"csrf_token": token}, [
            Cookie(self.csrf_cookie, token, self.path, None, self.secure, "strict")
        ]

    def check_csrf(self, request: WebRequest) -> None:
        """Refuse a form POST without the right token (unless the framework checks its own)."""
        if request.framework_csrf is None:
            self.signer.check_csrf(request.cookies.get(self.csrf_cookie), request.form.get("csrf_token"))

    # -- flows --------------------------------------------------------------------------------------

    def load(
        self,
        request: WebRequest,
        *,
        kinds: frozenset[str],
        connector: str | None = None,
        value: str | None = None,
    ) -> FlowValue:
        """The flow in ``value`` (a form field) or else the flow cookie, of one of ``kinds``."""
        raw = value if value is not None else request.cookies.get(self.flow_cookie)
        flow = self.signer.load_flow(raw, path=self.path, kinds=kinds)
        if connector is not None and flow.connector != connector:
            raise FlowError("this sign-in belongs to another connector", code="flow.wrong_connector")
        return flow

    def dump(self, flow: FlowValue) -> str:
        """The signed value of ``flow`` (for a hidden field)."""
        return self.signer.dump_flow(flow, path=self.path)

    def cookie(self, flow: FlowValue, outcome: Any) -> Cookie:
        """The flow cookie, living as long as the outcome's continuation."""
        expires: dt.datetime | None = getattr(outcome, "expires_at", None)
        left = int((expires - dt.datetime.now(dt.UTC)).total_seconds()) if expires else 600
        # A SAML response arrives as a cross-site POST, which a Lax cookie does not join.
        cross_site = flow.kind in ("saml", "org") and self.secure
        value = self.dump(flow)
        return Cookie(
            self.flow_cookie, value, self.path, max(left, 1), self.secure, "none" if cross_site else "lax"
        )

    def clear(self) -> Cookie:
        """Delete the flow cookie."""
        return Cookie(self.flow_cookie, "", self.path, 0, self.secure, "lax")
