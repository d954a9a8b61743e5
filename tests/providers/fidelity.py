"""Where every provider wire fact comes from: source strings, evidence levels, the fidelity table.

A *source string* (``ErrorRule.source``, ``ProviderSheet.sources`` values, a cassette's
``# source:`` line) is one or more references joined by `` ; ``:

* ``rec:<cassette>`` recorded from a real tenant;
* ``vendor:<owner>/<repo>@<commit or release tag>:<path>`` a vendor's own SDK, server or fixture;
* ``doc:<url>`` vendor documentation, ``spec:<url>`` a standard, ``seen:<url>`` a public capture of
  the real answer (an issue or forum thread quoting it);
* ``UNCONFIRMED[<provider>.<slug>] <what is guessed>``: no public source settles it; the id must be
  listed under "Known unknowns" on ``docs/providers/<provider>.md``.

Run ``python tests/providers/fidelity.py`` to print the fidelity table and ``--write`` to update
``docs/providers/index.md`` between its markers (``tests/providers/test_fidelity.py`` checks both).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
DOCS = ROOT / "docs" / "providers"
INDEX = DOCS / "index.md"
BEGIN, END = "<!-- fidelity:begin -->", "<!-- fidelity:end -->"

PROVIDERS = (
    "apple",
    "auth0",
    "cognito",
    "entra",
    "google",
    "keycloak",
    "meta",
    "okta",
    "onelogin",
    "pingone",
)

#: Evidence levels, strongest first.
LEVELS = ("recorded", "vendor", "documented", "unconfirmed")
LEVEL_TITLES = {
    "recorded": "recorded from a tenant",
    "vendor": "traced to a vendor fixture or source",
    "documented": "traced to documentation",
    "unconfirmed": "unconfirmed",
}

_URL = r"https://[^\s;]+"
_REFS = {
    "recorded": re.compile(r"rec:cassettes/[\w./-]+\.yaml"),
    "vendor": re.compile(r"vendor:[\w.-]+/[\w.-]+@(?:[0-9a-f]{7,40}|v?\d[\w.+-]*):[^\s;]+"),
    "documented": re.compile(rf"(?:doc|spec|seen):{_URL}"),
}
UNCONFIRMED = re.compile(r"UNCONFIRMED\[(?P<id>(?P<provider>[a-z0-9]+)\.[a-z0-9-]+)\]")
_BARE = re.compile(r"UNCONFIRMED(?!\[)")


def problems(source: str) -> list[str]:
    """What is wrong with a source string (empty: it is well formed)."""
    if not source.strip():
        return ["no source"]
    out = []
    for part in (p.strip() for p in source.split(" ; ")):
        if UNCONFIRMED.match(part):
            continue
        if not any(rx.fullmatch(part) for rx in _REFS.values()):
            out.append(f"not a reference: {part!r}")
    if _BARE.search(source):
        out.append("UNCONFIRMED without an [id]")
    return out


def level(source: str) -> str:
    """The evidence level of a well-formed source string."""
    if UNCONFIRMED.search(source):
        return "unconfirmed"
    parts = [p.strip() for p in source.split(" ; ")]
    for name in LEVELS[:-1]:
        if any(_REFS[name].fullmatch(p) for p in parts):
            return name
    return "unconfirmed"


def weakest(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index) if levels else "unconfirmed"


@dataclass(frozen=True)
class Fact:
    """One sourced wire fact: where it is declared and its source string."""

    provider: str
    where: str
    source: str


def sheet(provider: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"idpbridge.providers.{provider}.sheet").SHEET


def error_tables(provider: str) -> Iterator[tuple[str, tuple[object, ...]]]:
    """Every module-level tuple of ``ErrorRule`` in the provider's ``errors`` module, and its sheet's."""
    from idpbridge.classify import ErrorRule

    module = importlib.import_module(f"idpbridge.providers.{provider}.errors")
    for name, value in sorted(vars(module).items()):
        if (
            not name.startswith("_")
            and isinstance(value, tuple)
            and value
            and all(isinstance(r, ErrorRule) for r in value)
        ):
            yield f"errors.{name}", value
    yield "sheet.error_rules", sheet(provider).error_rules


def sheet_facts(provider: str) -> Iterator[Fact]:
    """Every sourced fact of a provider's sheet: its sources entries and every error row."""
    s = sheet(provider)
    for key, value in sorted(s.sources.items()):
        yield Fact(provider, f"sheet.sources[{key!r}]", value)
    for table, rules in error_tables(provider):
        for i, rule in enumerate(rules):
            yield Fact(provider, f"{table}[{i}]", rule.source)  # type: ignore[attr-defined]


def required_keys(provider: str) -> list[str]:
    """The ``ProviderSheet.sources`` keys a sheet must have."""
    s = sheet(provider)
    keys = ["claims", *(f"method.{m.value}" for m in sorted(s.methods, key=lambda m: m.value))]
    if s.issuer is not None:
        keys.append("issuer")
    if s.endpoints or s.endpoint_metadata or s.derived_endpoints:
        keys.append("endpoints")
    return keys


def cassette_source(path: Path) -> str:
    """The ``# source:`` line of a cassette (empty when it has none)."""
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# source:"):
            return line.removeprefix("# source:").strip()
    return ""


def cassettes(provider: str) -> list[Path]:
    return sorted((CASSETTES / provider).glob("*.yaml"))


def unconfirmed_ids() -> dict[str, set[str]]:
    """``UNCONFIRMED[id]`` markers in shipped code, sheets and cassettes -> the files naming them."""
    found: dict[str, set[str]] = {}
    files = [*sorted((ROOT / "src").rglob("*.py")), *sorted(CASSETTES.rglob("*.yaml"))]
    for path in files:
        for m in UNCONFIRMED.finditer(path.read_text()):
            found.setdefault(m["id"], set()).add(str(path.relative_to(ROOT)))
    return found


def bare_unconfirmed() -> list[str]:
    """Lines in shipped files that say UNCONFIRMED without an id (a sandbox's user status aside)."""
    out = []
    for path in [
        *sorted((ROOT / "src" / "idpbridge" / "providers").rglob("*.py")),
        *sorted(CASSETTES.rglob("*.yaml")),
    ]:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if _BARE.search(line):
                out.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    return out


def own_rows(provider: str) -> list[Any]:
    """The provider's own error rows, each once (the standard OAuth rows left out)."""
    from idpbridge.classify import STANDARD_OAUTH_RULES

    seen: dict[int, Any] = {}
    for _, rules in error_tables(provider):
        for rule in rules:
            if rule not in STANDARD_OAUTH_RULES or rule.source not in {
                s.source for s in STANDARD_OAUTH_RULES
            }:
                seen.setdefault(id(rule), rule)
    return list(seen.values())


def method_level(provider: str, method: str) -> str:
    return level(sheet(provider).sources.get(f"method.{method}", ""))


def table() -> str:
    """The fidelity table (Markdown), generated from the sheets and cassettes."""
    from idpbridge.methods import Method

    methods = [m.value for m in Method if any(m in sheet(p).methods for p in PROVIDERS)]
    head = ["Provider", *(f"`{m}`" for m in methods), "Error rows", "Cassettes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p in PROVIDERS:
        s = sheet(p)
        cells = [s.title]
        for m in methods:
            cells.append(LEVEL_TITLES[method_level(p, m)] if any(x.value == m for x in s.methods) else "—")
        cells.append(_counts(level(rule.source) for rule in own_rows(p)))
        cells.append(_counts(level(cassette_source(c)) for c in cassettes(p)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _counts(levels: Iterator[str]) -> str:
    seen = list(levels)
    return ", ".join(f"{seen.count(n)} {n}" for n in LEVELS if seen.count(n)) or "—"


def render(index: str) -> str:
    """``index`` with the table between the markers replaced by the generated one."""
    start, end = index.index(BEGIN) + len(BEGIN), index.index(END)
    return index[:start] + "\n\n" + table() + "\n" + index[end:]


def main(argv: list[str]) -> int:
    if "--write" in argv:
        INDEX.write_text(render(INDEX.read_text()))
    else:
        sys.stdout.write(table())
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main(sys.argv[1:]))
