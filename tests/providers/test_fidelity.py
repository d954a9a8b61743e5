"""Every provider wire fact names a public source, and the fidelity table cannot drift.

See ``tests/providers/fidelity.py`` for the source-string convention.
"""

from __future__ import annotations

import re

import pytest

from . import fidelity as f


@pytest.mark.parametrize("provider", f.PROVIDERS)
def test_every_sheet_row_names_a_source(provider: str) -> None:
    sheet = f.sheet(provider)
    missing = [key for key in f.required_keys(provider) if key not in sheet.sources]
    assert not missing, f"{provider}: sheet.sources lacks {missing}"
    bad = {fact.where: f.problems(fact.source) for fact in f.sheet_facts(provider) if f.problems(fact.source)}
    assert not bad, f"{provider}: {bad}"


@pytest.mark.parametrize("provider", f.PROVIDERS)
def test_every_cassette_names_a_source(provider: str) -> None:
    paths = f.cassettes(provider)
    assert paths, f"no cassettes for {provider}"
    bad = {p.name: f.problems(f.cassette_source(p)) for p in paths if f.problems(f.cassette_source(p))}
    assert not bad, f"{provider}: {bad}"


def test_unconfirmed_facts_are_few_named_and_documented() -> None:
    assert not f.bare_unconfirmed(), "UNCONFIRMED needs an [id]:\n" + "\n".join(f.bare_unconfirmed())
    ids = f.unconfirmed_ids()
    assert 0 < len(ids) <= 10, sorted(ids)
    for marker in ids:
        provider = marker.split(".")[0]
        page = (f.DOCS / f"{provider}.md").read_text()
        known = page.partition("## Known unknowns")[2]
        assert f"UNCONFIRMED[{marker}]" in known, f"{marker} is not under Known unknowns on {provider}.md"


def test_docs_name_no_unknown_that_the_code_does_not() -> None:
    ids = set(f.unconfirmed_ids())
    for page in sorted(f.DOCS.glob("*.md")):
        text = page.read_text()
        assert not re.search(r"UNCONFIRMED(?!\[)", text), page.name
        assert {m["id"] for m in f.UNCONFIRMED.finditer(text)} <= ids, page.name


@pytest.mark.parametrize(
    ("source", "level"),
    [
        ("rec:cassettes/okta/wrong_password.yaml", "recorded"),
        (
            "vendor:okta/okta-signin-widget@5225c54f:playground/mocks/a.json ; doc:https://x.example/a",
            "vendor",
        ),
        ("vendor:boto/botocore@1.43.11:botocore/data/x.json", "vendor"),
        ("doc:https://x.example/a ; seen:https://github.com/o/r/issues/1", "documented"),
        ("spec:https://www.rfc-editor.org/rfc/rfc6749#section-5.2", "documented"),
        ("UNCONFIRMED[okta.x] a guess ; doc:https://x.example/a", "unconfirmed"),
    ],
)
def test_source_levels(source: str, level: str) -> None:
    assert f.problems(source) == []
    assert f.level(source) == level


@pytest.mark.parametrize(
    "source",
    [
        "",
        "providers.md 4.5",
        "vendor:okta/okta-signin-widget:playground/a.json",  # no commit
        "doc:http://insecure.example/",
        "UNCONFIRMED: no id",
        "doc:https://x.example/a, seen:https://y.example/b",  # wrong separator
    ],
)
def test_malformed_sources_are_refused(source: str) -> None:
    assert f.problems(source)


def test_the_fidelity_table_in_the_docs_is_the_generated_one() -> None:
    committed = f.INDEX.read_text()
    assert f.render(committed) == committed, "run: python tests/providers/fidelity.py --write"


def test_a_missing_source_is_caught() -> None:
    import dataclasses

    from idpbridge.classify import ErrorRule, sourced
    from idpbridge.errors import InvalidCredentials

    row = ErrorRule(error="x", raises=InvalidCredentials)
    assert f.problems(row.source) == ["no source"]
    filled = sourced(
        "doc:https://x.example/a", (row, dataclasses.replace(row, source="spec:https://y.example/"))
    )
    assert [r.source for r in filled] == ["doc:https://x.example/a", "spec:https://y.example/"]
