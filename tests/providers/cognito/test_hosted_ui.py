"""The oidc method: Hosted UI authorization code + PKCE through the generic OIDC engine, against
the emulator's Hosted UI (discovery at the pool, OAuth endpoints on the Hosted UI domain)."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from idpbridge import Authenticated, ClaimSource, FinishOIDC, FlowError, RedirectRequired, StartOIDC
from idpbridge.providers.cognito.connector import CognitoConnector
from idpbridge.sandbox.cognito import Client, FakeCognito, Pool, User

Make = Callable[..., CognitoConnector]
CALLBACK = "http://127.0.0.1:8765/callback"
EMAIL, PASSWORD = "kim@example.com", "Hosted-UI-Passw0rd"


@dataclasses.dataclass
class HostedSetup:
    fake: FakeCognito
    pool: Pool
    client: Client
    user: User

    def config(self, **extra: Any) -> dict[str, Any]:
        return {
            "region": self.pool.region,
            "user_pool_id": self.pool.pool_id,
            "client_id": self.client.client_id,
            "client_secret": self.client.secret,
            "endpoint_url": self.fake.endpoint_url,
            "hosted_ui_domain": self.fake.endpoint_url,
            "methods": ["oidc", "password"],
            **extra,
        }


@pytest.fixture
def hosted(fake: FakeCognito) -> HostedSetup:
    pool = fake.state.add_pool(username_attributes=("email",))
    client = fake.state.add_client(pool, callback_urls=(CALLBACK,))
    attrs = {"email_verified": "true", "given_name": "Kim", "custom:dept": "ops"}
    user = fake.state.add_user(pool, EMAIL, password=PASSWORD, attributes=attrs, groups=["admins"])
    return HostedSetup(fake, pool, client, user)


async def browser(base: str, url: str, username: str, password: str) -> dict[str, str] | str:
    """Follow the Hosted UI as a browser would; return the callback's query or the page shown."""
    async with httpx.AsyncClient(base_url=base, follow_redirects=False) as b:
        r = await b.get(url)
        assert r.status_code == 302, r.text
        r = await b.get(r.headers["location"])
        assert r.status_code == 200
        action = re.search(r'action="([^"]+)"', r.text)
        assert action is not None
        r = await b.post(html.unescape(action.group(1)), data={"username": username, "password": password})
        if r.status_code != 302:
            return r.text
        location = r.headers["location"]
        assert location.startswith(CALLBACK)
        return dict(parse_qsl(urlsplit(location).query))


async def test_code_flow_with_pkce(hosted: HostedSetup, make_connector: Make) -> None:
    conn = make_connector(**hosted.config())
    start = await conn.authenticate(StartOIDC(CALLBACK))
    assert isinstance(start, RedirectRequired)
    url = urlsplit(start.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{hosted.fake.endpoint_url}/oauth2/authorize"
    query = dict(parse_qsl(url.query))
    assert query["code_challenge_method"] == "S256"
    assert {"state", "nonce", "code_challenge"} <= set(query)
    assert query["client_id"] == hosted.client.client_id

    callback = await browser(hosted.fake.endpoint_url, start.url, EMAIL, PASSWORD)
    assert isinstance(callback, dict)
    done = await conn.authenticate(FinishOIDC(callback, start.continuation))

    assert isinstance(done, Authenticated)
    who = done.identity
    assert who.issuer == hosted.pool.issuer
    assert who.subject == hosted.user.sub
    assert who.username == hosted.user.username
    assert (who.email, who.email_verified) == (EMAIL, True)
    assert who.given_name == "Kim"
    assert who.groups == ("admins",)
    assert who.tenant == hosted.pool.pool_id
    assert who.claims["custom:dept"] == "ops"
    assert who.sources["nonce"] is ClaimSource.ID_TOKEN
    assert who.sources["username"] is ClaimSource.USERINFO  # userInfo was fetched and merged
    assert done.userinfo is not None
    assert done.userinfo["email_verified"] == "true"  # Cognito's string boolean, as sent


async def test_replayed_callback_and_wrong_state(hosted: HostedSetup, make_connector: Make) -> None:
    conn = make_connector(**hosted.config())
    start = await conn.authenticate(StartOIDC(CALLBACK))
    assert isinstance(start, RedirectRequired)
    callback = await browser(hosted.fake.endpoint_url, start.url, EMAIL, PASSWORD)
    assert isinstance(callback, dict)
    with pytest.raises(FlowError) as info:
        await conn.authenticate(FinishOIDC({**callback, "state": "forged"}, start.continuation))
    assert info.value.code == "flow.state_mismatch"
    # The forged attempt consumed the continuation: the genuine callback is a replay now.
    with pytest.raises(FlowError) as replay:
        await conn.authenticate(FinishOIDC(callback, start.continuation))
    assert replay.value.code == "flow.reused"


async def test_wrong_password_stays_on_the_login_page(hosted: HostedSetup, make_connector: Make) -> None:
    conn = make_connector(**hosted.config())
    start = await conn.authenticate(StartOIDC(CALLBACK))
    assert isinstance(start, RedirectRequired)
    page = await browser(hosted.fake.endpoint_url, start.url, EMAIL, "wrong")
    assert isinstance(page, str)
    assert "Incorrect username or password." in page


async def test_check_probes_the_hosted_ui_client(hosted: HostedSetup, make_connector: Make) -> None:
    good = await make_connector(**hosted.config()).check()
    assert good.ok, good.as_dict()
    names = {r.name for r in good.results}
    assert {"jwks", "app client", "discovery", "client"} <= names
    bad = await make_connector(**hosted.config(client_secret="w" * 40)).check()
    failed = {r.name for r in bad.results if not r.ok}
    assert "client" in failed
    assert "app client" in failed  # the API rejects the SECRET_HASH too
