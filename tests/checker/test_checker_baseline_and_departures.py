"""Adopting the checker gradually (baselines), and departures as code records them."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from handbook.checker import catalogue
from handbook.checker.suppressions import departures_in
from handbook.content.departures import IdRules
from tests.checker.checker_support import check

SERVICE = '''"""Orders."""

from sqlalchemy import create_engine

engine = create_engine("postgresql://shop@db/shop")
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "0.1.0"\n\n[tool.principles]\nselect = ["STRUCT-DEPENDS"]\n',
        encoding="utf-8",
    )
    (tmp_path / "orders.py").write_text(SERVICE, encoding="utf-8")
    return tmp_path


def test_a_baseline_records_todays_findings_and_then_hides_them(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    written = check(
        project,
        "--write-baseline",
        "baseline.json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    entries = json.loads((project / "baseline.json").read_text())["findings"]

    later = check(
        project,
        "--baseline",
        "baseline.json",
        "--format",
        "json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    assert written.exit_code == 0
    assert [(e["id"], e["code"], e["path"]) for e in entries] == [
        ("STRUCT-DEPENDS", "module-level-state", "orders.py")
    ]
    assert later.report["findings"] == []
    assert len(later.report["baselined"]) == 1
    assert later.exit_code == 0


def test_a_baselined_finding_survives_lines_moving_above_it(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    check(
        project,
        "--write-baseline",
        "baseline.json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    (project / "orders.py").write_text(
        SERVICE.replace('"""Orders."""\n', '"""Orders.\n\nPlaced by customers.\n"""\n'),
        encoding="utf-8",
    )

    later = check(
        project,
        "--baseline",
        "baseline.json",
        "--format",
        "json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    assert later.report["findings"] == []
    assert later.report["baselined"][0]["line"] == 8


def test_a_new_finding_is_reported_past_the_baseline_and_a_fixed_one_is_counted_stale(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    check(
        project,
        "--write-baseline",
        "baseline.json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    (project / "orders.py").write_text(
        SERVICE.replace(
            "engine = ",
            'reporting = create_engine("postgresql://shop@db/reports")\nengine = ',
        ),
        encoding="utf-8",
    )
    (project / "payments.py").write_text(
        SERVICE.replace("Orders", "Payments"), encoding="utf-8"
    )

    later = check(
        project,
        "--baseline",
        "baseline.json",
        "--format",
        "json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    (project / "orders.py").write_text('"""Orders."""\n', encoding="utf-8")
    fixed = check(
        project,
        "--baseline",
        "baseline.json",
        "--format",
        "json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    assert sorted((f["path"], f["line"]) for f in later.report["findings"]) == [
        ("orders.py", 5),
        ("payments.py", 5),
    ]
    assert later.exit_code == 1
    assert fixed.report["stale_baseline_entries"] == 1


def test_the_same_line_twice_gets_two_fingerprints(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "orders.py").write_text(
        SERVICE + 'engine = create_engine("postgresql://shop@db/shop")\n',
        encoding="utf-8",
    )
    check(
        project,
        "--write-baseline",
        "baseline.json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    prints = [
        e["fingerprint"]
        for e in json.loads((project / "baseline.json").read_text())["findings"]
    ]

    assert len(prints) == len(set(prints)) == 2


@pytest.fixture
def rules() -> IdRules:
    """The shipped IDs, plus two that went away, as the lock would record them."""
    real = catalogue.load().id_rules()
    return replace(
        real,
        gone={
            "API-PAGING": "was merged into API-CURSOR-PAGINATION; cite API-CURSOR-PAGINATION",
            "OPS-STATSD": "is retired (replaced by OPS-METRICS); remove the comment or cite another ID",
        },
    )


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        (
            "# Departs from API-PAGING: legacy clients",
            "API-PAGING was merged into API-CURSOR-PAGINATION",
        ),
        (
            "# Departs from OPS-STATSD: legacy dashboards",
            "OPS-STATSD is retired (replaced by OPS-METRICS)",
        ),
        (
            "# Departs from DB-BOUND-PARAMS: trusted input",
            "DB-BOUND-PARAMS is a must: it has no exceptions",
        ),
        ("# Departs from API-ETAG", "say why after the ID"),
        ("# Departs from the usual rules", "'Departs from' needs a principle ID"),
    ],
    ids=["merged", "retired", "must", "no-reason", "no-id"],
)
def test_a_bad_departure_is_a_problem_and_suppresses_nothing(
    rules: IdRules, comment: str, message: str
) -> None:
    recorded, problems = departures_in(
        Path("orders.py"), f'"""Orders."""\n\n{comment}\nPAGE_SIZE = 20\n', rules
    )

    assert recorded == []
    assert [(p.line, p.kind) for p in problems] == [(3, "invalid-departure")]
    assert message in problems[0].message


def test_a_departure_covers_the_whole_statement_after_it_and_carries_its_reason_over_lines(
    rules: IdRules,
) -> None:
    source = (
        '"""Orders."""\n'
        "\n"
        "# Departs from API-ETAG: an order is read once, when it is placed,\n"
        "# and never polled.\n"
        '@router.get("/orders/{order_id}")\n'
        "async def read_order(\n"
        "    order_id: int,\n"
        ") -> Order:\n"
        "    return await load(order_id)\n"
    )
    import ast

    recorded, problems = departures_in(
        Path("orders.py"), source, rules, ast.parse(source)
    )

    assert problems == []
    assert (
        recorded[0].departure.reason
        == "an order is read once, when it is placed, and never polled."
    )
    assert list(recorded[0].lines) == [3, 4, 5, 6, 7, 8]


def test_a_departure_in_a_docstring_is_not_one(rules: IdRules) -> None:
    source = '"""How to depart:\n\n    # Departs from API-ETAG: the account is read once.\n"""\n'

    recorded, problems = departures_in(Path("guide.py"), source, rules)

    assert recorded == []
    assert problems == []


def test_sql_departures_use_double_dashes_and_cover_the_statement(
    rules: IdRules,
) -> None:
    source = "-- Departs from API-ETAG: not a real use, a form test\nALTER TABLE orders\n  ADD COLUMN note text;\nSELECT 1;\n"

    recorded, _ = departures_in(Path("migrations/1_note.sql"), source, rules)

    assert list(recorded[0].lines) == [1, 2, 3]


def test_a_departure_in_a_file_no_rule_opens_is_not_called_unused(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "0.1.0"\n\n[tool.principles]\nselect = ["DEPLOY-ENV-PARITY"]\n',
        encoding="utf-8",
    )
    compose = "services:\n  postgres:\n    # Departs from DEPLOY-ENV-PARITY: a scratch stack for demos.\n    image: postgres:16.4\n"
    (project / "compose.yaml").write_text(compose, encoding="utf-8")
    (project / "demo").mkdir()
    (project / "demo" / "compose.yaml").write_text(compose, encoding="utf-8")

    run = check(project, "--format", "json", monkeypatch=monkeypatch, capsys=capsys)

    # The root compose.yaml is read and pins its image: that departure is stale.
    # The Compose rules never open demo/compose.yaml, so nothing is said of it.
    assert [(p["path"], p["kind"]) for p in run.report["departure_problems"]] == [
        ("compose.yaml", "unused-departure")
    ]
