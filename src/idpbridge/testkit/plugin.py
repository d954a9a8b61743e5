"""The pytest plugin of :mod:`idpbridge.testkit` (entry point ``pytest11: idpbridge``).

Inert unless a test module opts in by defining a fixture named ``idpbridge_subject`` that returns
(or yields) a :class:`~idpbridge.testkit.Subject`: that module then gets a ``TestConformance``
class with one test per rule of :data:`~idpbridge.testkit.RULES`. A broken rule fails with a
message naming it (``[continuations.replayed] …``); a rule that does not apply to the connector is
skipped with the reason; the terminal summary lists every rule's verdict.
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["SUBJECT_FIXTURE"]

#: The fixture name that opts a test module in.
SUBJECT_FIXTURE = "idpbridge_subject"


def _rule_ids() -> list[str]:
    from ._suite import RULES

    return list(RULES)


class TestConformance:
    """The idpbridge connector conformance suite (one test per rule)."""

    @pytest.mark.idpbridge_conformance
    def test_rule(self, rule: str, idpbridge_subject: Any) -> None:
        from ._suite import RuleBroken, Subject, SubjectError, run_rule

        if not isinstance(idpbridge_subject, Subject):
            pytest.fail(
                f"the {SUBJECT_FIXTURE} fixture must return an idpbridge.testkit.Subject, "
                f"not {type(idpbridge_subject).__name__}",
                pytrace=False,
            )
        problem: str | None = None
        try:
            reason = run_rule(rule, idpbridge_subject)
        except RuleBroken as exc:
            problem = _explain(exc)
        except SubjectError as exc:
            problem = f"the {SUBJECT_FIXTURE} fixture is unusable: {exc}"
        if problem is not None:
            pytest.fail(problem, pytrace=False)
        if reason is not None:
            pytest.skip(f"not applicable: {reason}")


class _Suite(pytest.Class):
    """The suite's class, collected in the opted-in module (it is not an attribute there)."""

    def _getobj(self) -> Any:
        return TestConformance


def _explain(exc: Any) -> str:
    from ._suite import RULES

    title = RULES[exc.rule].title
    return f"idpbridge conformance rule broken: {exc.rule}\n  rule: {title}\n  found: {exc.problem}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "idpbridge_conformance: a test of the idpbridge connector conformance suite"
    )
    _verdicts.clear()


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Any:
    """Add the suite to a module that defines the ``idpbridge_subject`` fixture."""
    if name == SUBJECT_FIXTURE and isinstance(collector, pytest.Module):
        return _Suite.from_parent(collector, name="TestConformance")
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.cls is TestConformance and "rule" in metafunc.fixturenames:
        ids = _rule_ids()
        metafunc.parametrize("rule", ids, ids=ids)


#: (module, rule, verdict) of every conformance test run in this session.
_verdicts: list[tuple[str, str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "idpbridge_conformance" not in report.keywords or (report.when != "call" and not report.skipped):
        return
    rule = report.nodeid.rsplit("[", 1)[-1].rstrip("]")
    if hasattr(report, "wasxfail"):
        verdict = "XFAIL" if report.skipped else "XPASS"
    else:
        verdict = "PASS" if report.passed else "N/A" if report.skipped else "FAIL"
    module = report.nodeid.split("::", 1)[0]
    _verdicts.append((module, rule, verdict))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _verdicts:
        return
    terminalreporter.section("idpbridge conformance")
    by_module: dict[str, list[tuple[str, str]]] = {}
    for module, rule, verdict in _verdicts:
        by_module.setdefault(module, []).append((rule, verdict))
    for module, rows in by_module.items():
        broken = [r for r, v in rows if v == "FAIL"]
        held = sum(v == "PASS" for _r, v in rows)
        na = sum(v == "N/A" for _r, v in rows)
        terminalreporter.write_line(f"{module}: {held} rules hold, {len(broken)} broken, {na} not applicable")
        for rule, verdict in rows:
            terminalreporter.write_line(f"  {verdict:<4} {rule}")
