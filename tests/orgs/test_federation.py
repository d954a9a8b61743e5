"""The two-phase federation step against the real oidc-provider, for two organizations on two
connector instances (different clients), including swap and tamper refusals and a JIT migration."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

import idpbridge
from idpbridge import Authenticated, FinishOIDC, FlowError, IdpBridgeError, RedirectRequired
from idpbridge.continuation import ContinuationKeys, Continuations
from idpbridge.jit import MigrationPolicy, Migrator, SQLUserStore
from idpbridge.orgs import Directory, FederatedIdentity, FederationStart, OrganizationError
from tests.oidc.integration._drive import Callback, oidc_provider_login
from tests.peers import oidc_provider as op

from ._files import KEY, ORGS, write

REDIRECT_URI = op.REDIRECT_URI

pytestmark = pytest.mark.peer("oidc-provider")


@pytest.fixture
async def conns(tmp_path: Path, oidc_provider: op.OIDCProviderPeer) -> AsyncIterator[idpbridge.Connectors]:
    async with idpbridge.load(write(tmp_path, ORGS, issuer=oidc_provider.issuer)) as loaded:
        yield loaded


async def _login(start: FederationStart, user: str = "alice") -> Callback:
    return await oidc_provider_login(start.url, user, op.USERS[user], redirect_prefix=REDIRECT_URI)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def test_two_organizations_two_connectors(conns: idpbridge.Connectors) -> None:
    orgs = conns.organizations
    acme = await orgs.start("alice@ACME.test", redirect_uri=REDIRECT_URI)
    globex = await orgs.start("globex", redirect_uri=REDIRECT_URI)
    assert (acme.organization.id, acme.connector, acme.method) == ("acme", "acme-idp", "oidc")
    assert (globex.organization.id, globex.connector) == ("globex", "globex-idp")
    assert isinstance(acme.outcome, RedirectRequired)
    assert acme.continuation is acme.outcome.continuation
    q = _query(acme.url)
    assert q["client_id"] == ["test-client"]
    assert q["login_hint"] == ["alice@acme.test"]  # the email it was routed by (domain normalised)
    assert q["domain_hint"] == ["acme"]  # the organization's extra_params
    q = _query(globex.url)
    assert q["client_id"] == ["post-client"]
    assert "login_hint" not in q  # login_hint = false
    assert "domain_hint" not in q

    done = await orgs.complete((await _login(acme)).params, acme.continuation, org="acme")
    assert isinstance(done, FederatedIdentity)
    assert (done.organization.id, done.organization.name) == ("acme", "Acme Corp")
    assert (done.idp.connector, done.idp.provider, done.idp.method) == ("acme-idp", "oidc", "oidc")
    assert done.idp.issuer == conns["acme-idp"].config.issuer
    assert done.identity.key == (done.idp.issuer, "alice")
    assert done.groups == ("staff", "admins")
    assert done.claims["sub"] == "alice"
    assert done.attributes["email"] == "alice@example.test"
    assert done.attributes["email_verified"] is True
    assert "phone_number" not in done.attributes  # not requested: absent, not None
    assert done.email_domain_owned is False  # example.test is not one of acme's domains
    assert isinstance(done.authenticated, Authenticated)
    id_token = done.authenticated.tokens.id_token
    assert id_token is not None
    assert id_token.get_secret_value() not in repr(done)

    done = await orgs.complete((await _login(globex, "bob")).params, globex.continuation)
    assert (done.organization.id, done.identity.connector, done.identity.subject) == (
        "globex",
        "globex-idp",
        "bob",
    )


async def test_swapped_or_tampered_flows_are_refused(conns: idpbridge.Connectors) -> None:
    orgs = conns.organizations
    acme = await orgs.start("acme", redirect_uri=REDIRECT_URI)
    globex = await orgs.start("john@globex.test", redirect_uri=REDIRECT_URI)
    acme_cb, globex_cb = await _login(acme), await _login(globex, "bob")

    # The callback names another organization than the one the flow was started for.
    with pytest.raises(OrganizationError) as org_err:
        await orgs.complete(acme_cb.params, acme.continuation, org="globex")
    assert org_err.value.code == "org.mismatch"

    # One organization's IdP answer completed with another organization's flow: refused, and that
    # flow is spent (the connector burns a flow whose callback does not match it).
    victim = await orgs.start("acme", redirect_uri=REDIRECT_URI)
    with pytest.raises(FlowError) as flow_err:
        await orgs.complete(globex_cb.params, victim.continuation)
    assert flow_err.value.code == "flow.state_mismatch"
    with pytest.raises(FlowError) as flow_err:
        await orgs.complete(globex_cb.params, victim.continuation)
    assert flow_err.value.code == "flow.reused"

    # A tampered envelope, a raw connector continuation, and one sealed by another directory.
    token = acme.continuation.get_secret_value()
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    foreign = Directory(
        {"acme": {"connector": "acme-idp"}}, conns, continuation_keys=ContinuationKeys.generate()
    )
    other_start = await foreign.start("acme", redirect_uri=REDIRECT_URI)
    for bad, code in [
        (flipped, "flow.tampered"),
        ("v1.not-a-token", "flow.malformed"),
        (other_start.continuation, "flow.unknown_key"),
    ]:
        with pytest.raises(FlowError) as flow_err:
            await orgs.complete(acme_cb.params, bad)
        assert flow_err.value.code == code

    # The org id re-sealed by someone holding the keys still cannot move the flow to another
    # organization's connector: the connector's own continuation is bound to its instance.
    sealer = Continuations(ContinuationKeys([KEY]), connector="(organizations)")
    opened = sealer.open(acme.continuation, method="org")
    forged, _ = sealer.seal("org", {**opened.data, "o": "globex", "c": "globex-idp"}, ttl=60)
    with pytest.raises(FlowError) as flow_err:
        await orgs.complete(acme_cb.params, forged)
    assert flow_err.value.code == "flow.wrong_connector"

    # The connector's inner continuation given to the directory, the envelope given to the connector.
    inner = SecretStr(opened.data["t"])
    with pytest.raises(FlowError) as flow_err:
        await orgs.complete(acme_cb.params, inner)
    assert flow_err.value.code == "flow.wrong_connector"
    with pytest.raises(FlowError) as flow_err:
        await conns["acme-idp"].authenticate(FinishOIDC(acme_cb.params, acme.continuation))
    assert flow_err.value.code == "flow.wrong_connector"

    # The organization moved to another connector while the flow was open.
    moved = Directory({"acme": {"connector": "globex-idp"}}, conns, continuation_keys=ContinuationKeys([KEY]))
    with pytest.raises(OrganizationError) as org_err:
        await moved.complete(acme_cb.params, acme.continuation)
    assert org_err.value.code == "org.mismatch"

    # None of the refusals consumed the flow; it completes once, then is spent.
    done = await orgs.complete(acme_cb.params, acme.continuation, org="acme")
    assert done.organization.id == "acme"
    with pytest.raises(FlowError) as flow_err:
        await orgs.complete(acme_cb.params, acme.continuation)
    assert flow_err.value.code == "flow.reused"


async def test_user_cancel_is_the_connectors_typed_error(conns: idpbridge.Connectors) -> None:
    start = await conns.organizations.start("acme", redirect_uri=REDIRECT_URI)
    cb = await oidc_provider_login(
        start.url, "alice", op.USERS["alice"], redirect_prefix=REDIRECT_URI, cancel=True
    )
    with pytest.raises(IdpBridgeError) as info:
        await conns.organizations.complete(cb.params, start.continuation)
    assert info.value.code == "user_cancelled"
    assert info.value.connector == "acme-idp"


async def test_result_feeds_jit(conns: idpbridge.Connectors, tmp_path: Path) -> None:
    """The identity context resolves to a local user with idpbridge.jit, end to end."""
    store = await SQLUserStore.open(tmp_path / "users.db")
    try:
        migrator = Migrator(store, MigrationPolicy(email_authoritative={"acme-idp"}))
        orgs = conns.organizations
        first = None
        for _ in range(2):
            start = await orgs.start("jane@acme.test", redirect_uri=REDIRECT_URI)
            done = await orgs.complete((await _login(start)).params, start.continuation)
            migration = await migrator.migrate(done.authenticated)
            if first is None:
                first = migration
                assert migration.action == "created"
            else:
                assert migration.action == "unchanged"
                assert migration.user_id == first.user_id
        assert first is not None
        # JIT keys on (issuer, subject), not on the organization: the same person at the same
        # issuer, signing in through another organization's connector, is the same local user.
        start = await orgs.start("globex", redirect_uri=REDIRECT_URI)
        done = await orgs.complete((await _login(start)).params, start.continuation)
        assert done.organization.id == "globex"
        migration = await migrator.migrate(done.authenticated)
        assert (migration.action, migration.user_id) == ("unchanged", first.user_id)
        # Someone else at the same IdP is a new local user.
        start = await orgs.start("globex", redirect_uri=REDIRECT_URI)
        done = await orgs.complete((await _login(start, "bob")).params, start.continuation)
        migration = await migrator.migrate(done.authenticated)
        assert migration.action == "created"
        assert migration.user_id != first.user_id
    finally:
        await store.aclose()


async def test_email_domain_owned(conns: idpbridge.Connectors) -> None:
    """An IdP-verified email in one of the organization's verified domains is flagged as owned."""
    directory = Directory(
        {
            "examples": {
                "connector": "acme-idp",
                "domains": ["example.test"],
                "verified_domains": ["example.test"],
            }
        },
        conns,
        continuation_keys=ContinuationKeys([KEY]),
    )
    route = directory.route(email="alice@Example.TEST")
    start = await directory.start(route, redirect_uri=REDIRECT_URI, extra_params={"ui_locales": "fr"})
    assert _query(start.url)["ui_locales"] == ["fr"]
    assert _query(start.url)["login_hint"] == ["alice@example.test"]
    done = await directory.complete((await _login(start)).params, start.continuation)
    assert done.identity.email == "alice@example.test"
    assert done.email_domain_owned is True
