"""`task audit`'s command line: it says how to use it, and refuses a
directory that holds no built site before it starts any server."""

from pathlib import Path

import pytest

from handbook.tools.audit import main, parse_arguments


def test_help_prints_the_usage_and_starts_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as asked_for_help:
        parse_arguments(["--help"])

    assert asked_for_help.value.code == 0
    assert "usage: python -m handbook.tools.audit [-h] [--axe-only] [site_dir]" in (
        capsys.readouterr().out
    )


def test_the_site_directory_and_axe_only_are_read_in_either_order() -> None:
    assert vars(parse_arguments(["--axe-only", ".tmp/audit-site"])) == {
        "site_dir": ".tmp/audit-site",
        "axe_only": True,
    }
    assert vars(parse_arguments([])) == {"site_dir": "site", "axe_only": False}


def test_a_directory_without_a_built_site_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no built site here"):
        main(str(tmp_path))
