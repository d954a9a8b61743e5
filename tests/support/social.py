"""Flow helpers shared by the social-connector tests (tests/providers/{google,meta,apple}).

:func:`start` runs ``StartOIDC`` and returns the outcome with the authorization URL's parameters
(``state``, ``nonce``… which an ID token minted for the flow must carry); :func:`finish` sends the
callback. Cassettes are replayed with :func:`tests.support.minted.replay`, the CLI is driven with
:func:`tests.support.providers.cli_oidc_login`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from idpbridge import FinishOIDC, RedirectRequired, StartOIDC
from idpbridge.connector import Connector
from idpbridge.outcomes import Outcome

__all__ = ["finish", "start", "url_params"]


def url_params(url: str) -> dict[str, str]:
    """The query parameters of ``url`` (each given once)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


async def start(
    conn: Connector[Any], redirect_uri: str, **kw: Any
) -> tuple[RedirectRequired, dict[str, str]]:
    """``StartOIDC``; returns the redirect and its URL parameters."""
    outcome = await conn.authenticate(StartOIDC(redirect_uri, **kw))
    assert isinstance(outcome, RedirectRequired), outcome
    return outcome, url_params(outcome.url)


async def finish(
    conn: Connector[Any], started: RedirectRequired, params: Mapping[str, str], **callback: str
) -> Outcome:
    """``FinishOIDC`` with the flow's ``state`` and ``callback`` (``code=…`` or ``error=…``)."""
    return await conn.authenticate(FinishOIDC({"state": params["state"], **callback}, started.continuation))
