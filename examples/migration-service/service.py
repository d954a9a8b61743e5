"""A reference migration service: sign users in against the legacy IdP, migrate them just in time,
and start a session in the new system.

Run it (see README.md)::

    MIGRATION_CONFIG=idpbridge.toml MIGRATION_DATABASE=users.db MIGRATION_SECRET=... \\
        uvicorn service:app --workers 2

Configuration, all from the environment:

==========================  ===========================================================================
``MIGRATION_CONFIG``        the idpbridge connectors file (``[settings]`` continuation keys and a shared
                            ``store = "redis://…"`` when several workers run; ``[organizations.*]``)
``MIGRATION_DATABASE``      the user store: an SQLite file path or ``postgresql+asyncpg://…``
``MIGRATION_SECRET``        at least 32 bytes: signs the sign-in cookies and the session cookie
``MIGRATION_PUBLIC_URL``    the URL browsers use (``https://login.example.com``); default: the request's
``MIGRATION_LISTED``        comma-separated connectors the sign-in page offers (default: all that are not
                            an organization's)
``MIGRATION_INSECURE_HTTP`` ``1`` to drop the ``Secure`` cookie flag for plain-http local runs
==========================  ===========================================================================

Every response carries ``X-Served-By: <pid>``, so you can see which worker answered.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import json
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

import idpbridge
from idpbridge.jit import MigrationPolicy, Migrator, SQLUserStore
from idpbridge.web import Cookie, SignedIn, WebAuth, WebRequest, WebResponse
from idpbridge.web.starlette import app as auth_app

SESSION_COOKIE = "session"
SESSION_TTL = 8 * 3600


class Sessions:
    """The new system's session: a signed cookie ``payload.mac`` (HMAC-SHA256), HttpOnly, Lax."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"migration-service.session.v1", hashlib.sha256).digest()

    def _mac(self, payload: str) -> str:
        return base64.urlsafe_b64encode(
            hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        ).decode()

    def dump(self, data: dict[str, Any]) -> str:
        payload = base64.urlsafe_b64encode(
            json.dumps({**data, "exp": int(time.time()) + SESSION_TTL}).encode()
        )
        return f"{payload.decode()}.{self._mac(payload.decode())}"

    def load(self, value: str | None) -> dict[str, Any] | None:
        if not value or value.count(".") != 1:
            return None
        payload, mac = value.split(".")
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload))
        return data if data.get("exp", 0) > time.time() else None


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"</head><body><main>{body}</main><footer>worker {os.getpid()}</footer></body></html>"
    )


def create_app() -> FastAPI:
    """The service, configured from the environment (see the module docstring)."""
    secret = os.environ["MIGRATION_SECRET"]
    secure = os.environ.get("MIGRATION_INSECURE_HTTP") != "1"
    sessions = Sessions(secret)
    connectors = idpbridge.load(os.environ["MIGRATION_CONFIG"])
    org_connectors = {org.connector for org in connectors.organizations.values()}
    listed_env = os.environ.get("MIGRATION_LISTED")
    listed = listed_env.split(",") if listed_env else [n for n in connectors if n not in org_connectors]
    state: dict[str, Migrator] = {}

    async def start_session(request: WebRequest, done: SignedIn) -> WebResponse:
        # JIT migration: create, link or update the local user for this (issuer, subject).
        result = await state["migrator"].migrate(done.authenticated)
        ident = done.authenticated.identity
        session = {
            "uid": result.user_id,
            "email": ident.email,
            "via": done.connector,
            "action": result.action.value,
        }
        if done.organization is not None:
            session["org"] = done.organization.id
        response = WebResponse.redirect("/")
        response.cookies.append(
            Cookie(SESSION_COOKIE, sessions.dump(session), "/", SESSION_TTL, secure, "lax")
        )
        return response

    auth = WebAuth(
        connectors,
        secret=secret,
        on_success=start_session,
        base="/auth",
        organizations=connectors.organizations if connectors.organizations else None,
        public_url=os.environ.get("MIGRATION_PUBLIC_URL"),
        secure_cookies=secure,
        listed=listed,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await SQLUserStore.open(os.environ["MIGRATION_DATABASE"])
        state["migrator"] = Migrator(store, MigrationPolicy())
        try:
            yield
        finally:
            await connectors.aclose()
            await store.aclose()

    app = FastAPI(title="migration service", lifespan=lifespan)
    app.mount("/auth", auth_app(auth))

    @app.middleware("http")
    async def served_by(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["X-Served-By"] = str(os.getpid())
        return response

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> str:
        session = sessions.load(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return _page("Welcome", '<h1>Welcome</h1><p><a id="sign-in" href="/auth/login">Sign in</a></p>')
        who = html.escape(str(session.get("email")))
        facts = "".join(
            f'<li>{k}: <span id="{k}">{html.escape(str(v))}</span></li>' for k, v in sorted(session.items())
        )
        return _page(
            "Signed in",
            f'<h1 id="signed-in">Signed in as {who}</h1><ul>{facts}</ul>'
            '<form method="post" action="/logout">'
            '<button id="sign-out" type="submit">Sign out</button></form>',
        )

    @app.post("/logout")
    async def logout() -> RedirectResponse:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"ok": True, "pid": os.getpid()})

    return app


app = create_app() if "MIGRATION_CONFIG" in os.environ else None
