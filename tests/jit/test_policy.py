"""Every branch of the migration policy, with hand-built identities, against the SQLite reference store."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from idpbridge import IdpBridgeError
from idpbridge.jit import (
    AttributeMapping,
    Change,
    JITError,
    LinkConflict,
    LinkRequiresReauthentication,
    MigrationAction,
    MigrationPolicy,
    Migrator,
    OnEmailMatch,
    SQLUserStore,
    SyncMode,
    UnknownLocalUser,
    UnverifiedLocalEmail,
    UserCreationDisabled,
)
from idpbridge.jit import _schema as schema

from ._helpers import ISSUER, apple_first_login, authenticated, count, dump, identity, statements

TRUST_OKTA = MigrationPolicy(email_authoritative={"okta"})


async def seed_local_user(
    store: SQLUserStore, *, email: str = "jane@example.com", verified: bool = True
) -> str:
    """A pre-existing local account (e.g. from the app's own sign-up), linked to nothing."""
    migrator = Migrator(store, MigrationPolicy(match_by_email=False))
    seeded = identity(
        provider="local", connector="local", issuer="https://local.invalid", subject=f"seed-{email}",
        email=email, email_verified=verified, name="Local Name", given_name=None, family_name=None,
    )  # fmt: skip
    result = await migrator.migrate(seeded)
    assert result.action is MigrationAction.CREATED
    assert result.user_id is not None
    # Drop the seeding link so the account is linked to nothing, as a native local account would be.
    async with store.engine.begin() as conn:
        await conn.execute(sa.delete(schema.links).where(schema.links.c.user_id == result.user_id))
    return result.user_id


async def events(store: SQLUserStore) -> list[tuple[str, str | None, str | None]]:
    async with store.engine.connect() as conn:
        q = sa.select(schema.events.c.action, schema.events.c.code, schema.events.c.user_id)
        return [tuple(r) for r in (await conn.execute(q.order_by(schema.events.c.id))).all()]


# -- create / unchanged / update -------------------------------------------------------------------


async def test_new_identity_creates_user_with_import_attributes(sqlite_store: SQLUserStore) -> None:
    result = await Migrator(sqlite_store).migrate(authenticated())
    assert result.action is MigrationAction.CREATED
    assert result.user_id
    assert {c.field: c.after for c in result.changes} == {
        "email": "jane@example.com",
        "email_verified": True,
        "name": "Jane Doe",
        "given_name": "Jane",
        "family_name": "Doe",
    }
    linked = await sqlite_store.get_linked(ISSUER, "00u1")
    assert linked is not None
    assert linked.id == result.user_id
    assert linked.attributes["given_name"] == "Jane"
    assert await events(sqlite_store) == [("created", None, result.user_id)]


async def test_returning_user_is_one_read_and_no_write(sqlite_store: SQLUserStore) -> None:
    migrator = Migrator(sqlite_store)
    first = await migrator.migrate(identity())
    before = await dump(sqlite_store)
    with statements(sqlite_store) as seen:
        again = await migrator.migrate(identity())
    assert again.action is MigrationAction.UNCHANGED
    assert again.user_id == first.user_id
    assert again.changes == ()
    assert seen == ["SELECT"]
    assert await dump(sqlite_store) == before


async def test_record_unchanged_appends_an_event(sqlite_store: SQLUserStore) -> None:
    migrator = Migrator(sqlite_store, MigrationPolicy(record_unchanged=True))
    await migrator.migrate(identity())
    await migrator.migrate(identity())
    assert [e[0] for e in await events(sqlite_store)] == ["created", "unchanged"]


async def test_import_once_is_not_overwritten_but_always_is(sqlite_store: SQLUserStore) -> None:
    policy = MigrationPolicy(
        attributes=(
            AttributeMapping("email", "email", SyncMode.ALWAYS),
            AttributeMapping("name", "name", SyncMode.IMPORT_ONCE),
            AttributeMapping("groups", "groups", SyncMode.ALWAYS),
        )
    )
    migrator = Migrator(sqlite_store, policy)
    first = await migrator.migrate(identity(groups=("staff",)))
    changed = identity(email="jane.doe@example.com", name="Jane Q. Doe", groups=("staff", "admins"))
    result = await migrator.migrate(changed)
    assert result.action is MigrationAction.UPDATED
    assert result.user_id == first.user_id
    assert result.changes == (
        Change("email", "jane@example.com", "jane.doe@example.com"),
        Change("groups", ["staff"], ["staff", "admins"]),
    )
    user = await sqlite_store.get_user(first.user_id or "")
    assert user is not None
    assert user.attributes["name"] == "Jane Doe"  # import_once: kept
    assert user.attributes["email"] == "jane.doe@example.com"
    assert user.attributes["groups"] == ["staff", "admins"]
    assert [e[0] for e in await events(sqlite_store)] == ["created", "updated"]


async def test_apple_first_login_name_is_kept_when_later_logins_omit_it(sqlite_store: SQLUserStore) -> None:
    policy = MigrationPolicy(
        attributes=(
            AttributeMapping("given_name", "given_name", SyncMode.ALWAYS),
            AttributeMapping("family_name", "family_name", SyncMode.IMPORT_ONCE),
        )
    )
    migrator = Migrator(sqlite_store, policy)
    first = await migrator.migrate(apple_first_login())
    later = await migrator.migrate(apple_first_login(given_name=None, family_name=None, sources={}))
    assert later.action is MigrationAction.UNCHANGED
    user = await sqlite_store.get_user(first.user_id or "")
    assert user is not None
    assert (user.attributes["given_name"], user.attributes["family_name"]) == ("Jane", "Doe")


async def test_raw_claims_and_callables_map_to_fields(sqlite_store: SQLUserStore) -> None:
    policy = MigrationPolicy(
        attributes=(
            AttributeMapping("country", "claims.address.country"),
            AttributeMapping("locale", "claims.locale", SyncMode.ALWAYS),
            AttributeMapping("missing", "claims.nope.deeper"),
            AttributeMapping("display", lambda i: f"{i.given_name} ({i.provider})"),
            AttributeMapping("login_at", "auth_time"),
        )
    )
    import datetime as dt

    when = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    ident = identity(claims={"address": {"country": "NZ"}, "locale": "en-NZ"}, auth_time=when)
    result = await Migrator(sqlite_store, policy).migrate(ident)
    assert {c.field: c.after for c in result.changes} == {
        "country": "NZ",
        "locale": "en-NZ",
        "display": "Jane (okta)",
        "login_at": "2025-01-02T03:04:05+00:00",
    }


# -- linking by email ------------------------------------------------------------------------------


async def test_verified_email_from_authoritative_connector_links(sqlite_store: SQLUserStore) -> None:
    local_id = await seed_local_user(sqlite_store)
    result = await Migrator(sqlite_store, TRUST_OKTA).migrate(identity())
    assert result.action is MigrationAction.LINKED
    assert result.user_id == local_id
    assert result.invalidate_credentials is False
    # import_once fills only what the local account lacks; the local name stays.
    assert {c.field for c in result.changes} == {"given_name", "family_name"}
    assert any("authoritative" in step for step in result.decision_trace)
    assert await count(sqlite_store, schema.users) == 1
    linked = await sqlite_store.get_linked(ISSUER, "00u1")
    assert linked is not None
    assert linked.id == local_id
    assert linked.attributes["name"] == "Local Name"


@pytest.mark.parametrize("verified", [None, False])
async def test_unverified_email_never_links_automatically(
    sqlite_store: SQLUserStore, verified: bool | None
) -> None:
    local_id = await seed_local_user(sqlite_store)
    with pytest.raises(LinkRequiresReauthentication) as info:
        await Migrator(sqlite_store, TRUST_OKTA).migrate(identity(email_verified=verified))
    assert info.value.user_id == local_id
    assert info.value.code == "jit.reauthentication_required"
    assert await sqlite_store.get_linked(ISSUER, "00u1") is None
    assert (await events(sqlite_store))[-1] == ("refused", "jit.reauthentication_required", local_id)


async def test_verified_email_from_non_authoritative_connector_does_not_link(
    sqlite_store: SQLUserStore,
) -> None:
    local_id = await seed_local_user(sqlite_store)
    # Same provider type, different connector instance: trust is per connector, not per provider.
    other = identity(connector="okta-partner", issuer="https://partner.okta.com")
    with pytest.raises(LinkRequiresReauthentication) as info:
        await Migrator(sqlite_store, TRUST_OKTA).migrate(other)
    assert info.value.user_id == local_id
    assert "not authoritative" in " ".join(info.value.details["decision_trace"])


async def test_policy_create_separate(sqlite_store: SQLUserStore) -> None:
    local_id = await seed_local_user(sqlite_store)
    policy = MigrationPolicy(on_email_match=OnEmailMatch.CREATE_SEPARATE)
    result = await Migrator(sqlite_store, policy).migrate(identity())
    assert result.action is MigrationAction.CREATED
    assert result.user_id != local_id
    assert await count(sqlite_store, schema.users, schema.users.c.email == "jane@example.com") == 2


async def test_policy_refuse(sqlite_store: SQLUserStore) -> None:
    local_id = await seed_local_user(sqlite_store)
    policy = MigrationPolicy(on_email_match=OnEmailMatch.REFUSE)
    with pytest.raises(LinkConflict) as info:
        await Migrator(sqlite_store, policy).migrate(identity(email_verified=False))
    assert info.value.code == "jit.email_in_use"
    assert info.value.user_ids == (local_id,)
    assert await count(sqlite_store, schema.links) == 0


async def test_ambiguous_email_is_a_conflict(sqlite_store: SQLUserStore) -> None:
    a = await seed_local_user(sqlite_store)
    b = await seed_local_user(sqlite_store, email="jane@example.com")
    assert a != b
    with pytest.raises(LinkConflict) as trusted:
        await Migrator(sqlite_store, TRUST_OKTA).migrate(identity())
    assert trusted.value.code == "jit.ambiguous_email"
    assert set(trusted.value.user_ids) == {a, b}
    with pytest.raises(LinkConflict) as untrusted:
        await Migrator(sqlite_store).migrate(identity())  # require re-authentication: but of which one?
    assert untrusted.value.code == "jit.ambiguous_email"


async def test_second_subject_of_same_issuer_is_a_conflict(sqlite_store: SQLUserStore) -> None:
    migrator = Migrator(sqlite_store, TRUST_OKTA)
    first = await migrator.migrate(identity(subject="00u1"))
    # The IdP now presents another subject with the same verified email (address reassigned?).
    with pytest.raises(LinkConflict) as info:
        await migrator.migrate(identity(subject="00u2"))
    assert info.value.code == "jit.issuer_already_linked"
    assert info.value.user_ids == (first.user_id,)


async def test_link_to_unverified_local_account_invalidates_credentials(sqlite_store: SQLUserStore) -> None:
    local_id = await seed_local_user(sqlite_store, verified=False)
    result = await Migrator(sqlite_store, TRUST_OKTA).migrate(identity())
    assert result.action is MigrationAction.LINKED
    assert result.invalidate_credentials is True
    async with sqlite_store.engine.connect() as conn:
        q = sa.select(schema.users.c.credentials_invalidated_at).where(schema.users.c.id == local_id)
        assert (await conn.execute(q)).scalar() is not None


async def test_link_to_unverified_local_account_refused_by_policy(sqlite_store: SQLUserStore) -> None:
    await seed_local_user(sqlite_store, verified=False)
    policy = MigrationPolicy(email_authoritative={"okta"}, unverified_local_email=UnverifiedLocalEmail.REFUSE)
    with pytest.raises(LinkConflict) as info:
        await Migrator(sqlite_store, policy).migrate(identity())
    assert info.value.code == "jit.local_email_unverified"


async def test_match_by_email_off_ignores_email(sqlite_store: SQLUserStore) -> None:
    local_id = await seed_local_user(sqlite_store)
    policy = MigrationPolicy(email_authoritative={"okta"}, match_by_email=False)
    result = await Migrator(sqlite_store, policy).migrate(identity())
    assert result.action is MigrationAction.CREATED
    assert result.user_id != local_id


async def test_email_is_matched_exactly(sqlite_store: SQLUserStore) -> None:
    await seed_local_user(sqlite_store, email="Jane@Example.com")
    result = await Migrator(sqlite_store, TRUST_OKTA).migrate(identity(email="jane@example.com"))
    assert result.action is MigrationAction.CREATED


async def test_identity_key_is_issuer_and_subject(sqlite_store: SQLUserStore) -> None:
    migrator = Migrator(sqlite_store, MigrationPolicy(match_by_email=False))
    a = await migrator.migrate(identity(issuer="https://a.example", subject="same"))
    b = await migrator.migrate(identity(issuer="https://b.example", subject="same"))
    c = await migrator.migrate(
        identity(issuer="https://a.example", subject="same", email="other@example.com")
    )
    assert a.user_id != b.user_id
    assert c.user_id == a.user_id
    assert c.action is MigrationAction.UNCHANGED  # email is import_once by default


# -- creation disabled, confirm_link ---------------------------------------------------------------


async def test_creation_disabled(sqlite_store: SQLUserStore) -> None:
    policy = MigrationPolicy(email_authoritative={"okta"}, create_users=False)
    with pytest.raises(UserCreationDisabled) as info:
        await Migrator(sqlite_store, policy).migrate(identity())
    assert info.value.code == "jit.creation_disabled"
    assert await count(sqlite_store, schema.users) == 0
    local_id = await seed_local_user(sqlite_store)
    result = await Migrator(sqlite_store, policy).migrate(identity())
    assert (result.action, result.user_id) == (MigrationAction.LINKED, local_id)


async def test_confirm_link_after_reauthentication(sqlite_store: SQLUserStore) -> None:
    local_id = await seed_local_user(sqlite_store, verified=False)
    migrator = Migrator(sqlite_store)
    with pytest.raises(LinkRequiresReauthentication) as info:
        await migrator.migrate(identity(email_verified=None))
    # ... the runtime signs the person in to local_id, then:
    result = await migrator.confirm_link(identity(email_verified=None), info.value.user_id)
    assert (result.action, result.user_id) == (MigrationAction.LINKED, local_id)
    assert result.invalidate_credentials is False  # the owner proved control of the local account
    again = await migrator.confirm_link(identity(email_verified=None), local_id)
    assert again.action is MigrationAction.UNCHANGED
    assert (await migrator.migrate(identity(email_verified=None))).user_id == local_id


async def test_confirm_link_conflicts(sqlite_store: SQLUserStore) -> None:
    migrator = Migrator(sqlite_store)
    created = await migrator.migrate(identity())
    other = await seed_local_user(sqlite_store, email="other@example.com")
    with pytest.raises(LinkConflict) as info:
        await migrator.confirm_link(identity(), other)
    assert info.value.code == "jit.identity_linked_elsewhere"
    assert set(info.value.user_ids) == {created.user_id, other}
    with pytest.raises(UnknownLocalUser):
        await migrator.confirm_link(identity(subject="00u9"), "no-such-user")
    with pytest.raises(LinkConflict) as same_issuer:
        await migrator.confirm_link(identity(subject="00u9"), created.user_id or "")
    assert same_issuer.value.code == "jit.issuer_already_linked"


# -- dry run ---------------------------------------------------------------------------------------


async def test_dry_run_writes_nothing_on_any_branch(sqlite_store: SQLUserStore) -> None:
    migrator = Migrator(sqlite_store, TRUST_OKTA)
    always = Migrator(sqlite_store, MigrationPolicy(attributes=(AttributeMapping("name", "name", "always"),)))
    local_id = await seed_local_user(sqlite_store, email="local@example.com")
    existing = await migrator.migrate(identity(subject="00u5", email="five@example.com"))
    snapshot = await dump(sqlite_store)

    created = await migrator.migrate(identity(subject="new", email="new@example.com"), dry_run=True)
    assert (created.action, created.user_id, created.dry_run) == (MigrationAction.CREATED, None, True)
    linked = await migrator.migrate(identity(subject="00u7", email="local@example.com"), dry_run=True)
    assert (linked.action, linked.user_id) == (MigrationAction.LINKED, local_id)
    updated = await always.migrate(identity(subject="00u5", name="Renamed"), dry_run=True)
    assert (updated.action, updated.user_id) == (MigrationAction.UPDATED, existing.user_id)
    assert updated.changes == (Change("name", "Jane Doe", "Renamed"),)
    with pytest.raises(LinkRequiresReauthentication):
        await migrator.migrate(
            identity(subject="00u8", email="local@example.com", email_verified=None), dry_run=True
        )
    confirmed = await migrator.confirm_link(identity(subject="00u9"), local_id, dry_run=True)
    assert confirmed.action is MigrationAction.LINKED

    assert await dump(sqlite_store) == snapshot


# -- secrets, errors, configuration ----------------------------------------------------------------


async def test_tokens_never_reach_the_store_results_or_errors(sqlite_store: SQLUserStore) -> None:
    from ._helpers import TOKEN_MARKER

    migrator = Migrator(sqlite_store)
    result = await migrator.migrate(authenticated())
    await seed_local_user(sqlite_store, email="taken@example.com")
    with pytest.raises(LinkRequiresReauthentication) as info:
        await migrator.migrate(authenticated(subject="00u2", email="taken@example.com", email_verified=None))
    texts = [
        repr(result),
        str(result.decision_trace),
        str(info.value),
        repr(info.value),
        repr(info.value.details),
    ]
    texts.append(repr(await dump(sqlite_store)))
    assert not [t for t in texts if TOKEN_MARKER in t or "TOKENMARKER" in t]
    # And no email in messages meant for logs.
    assert "taken@example.com" not in str(info.value) + repr(info.value.details)


def test_error_tree_and_codes() -> None:
    assert issubclass(JITError, IdpBridgeError)
    for cls in (LinkConflict, LinkRequiresReauthentication, UserCreationDisabled, UnknownLocalUser):
        assert issubclass(cls, JITError)
    assert LinkConflict().code == "jit.link_conflict"
    assert LinkRequiresReauthentication(user_id="7").details == {"user_id": "7"}
    assert UnknownLocalUser(user_id="9").code == "jit.unknown_user"


def test_policy_validation() -> None:
    with pytest.raises(IdpBridgeError):
        AttributeMapping("x", "not_a_field")
    with pytest.raises(IdpBridgeError):
        AttributeMapping("", "email")
    with pytest.raises(IdpBridgeError):
        AttributeMapping("x", "claims.")
    with pytest.raises(IdpBridgeError):
        MigrationPolicy(attributes=(AttributeMapping("a", "email"), AttributeMapping("a", "name")))
    with pytest.raises(IdpBridgeError):
        MigrationPolicy(email_authoritative="okta")  # type: ignore[arg-type]
    policy = MigrationPolicy(email_authoritative=["okta"], on_email_match="refuse")  # type: ignore[arg-type]
    assert policy.email_authoritative == frozenset({"okta"})
    assert policy.on_email_match is OnEmailMatch.REFUSE
    assert policy.trusts_email(identity()) is True
    assert policy.trusts_email(identity(email_verified=None)) is False


async def test_migrate_rejects_other_types(sqlite_store: SQLUserStore) -> None:
    with pytest.raises(TypeError):
        await Migrator(sqlite_store).migrate({"sub": "x"})  # type: ignore[arg-type]
