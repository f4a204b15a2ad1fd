"""Specification of the mutation score `task mutation` prints."""

import json
from pathlib import Path

import pytest

from tests.service.mutation_score import listed_names, read_outcomes, report, tally

KILLED, SURVIVED, TIMEOUT = 1, 0, -24


@pytest.fixture
def mutants(tmp_path: Path) -> Path:
    """A mutants/ directory as mutmut 3.8 leaves it, for one module."""
    meta = tmp_path / "src" / "shop" / "core" / "errors.py.meta"
    meta.parent.mkdir(parents=True)
    codes = {
        "shop.core.errors.x_a__mutmut_1": KILLED,
        "shop.core.errors.x_a__mutmut_2": KILLED,
        "shop.core.errors.x_a__mutmut_3": TIMEOUT,
        "shop.core.errors.x_a__mutmut_4": SURVIVED,  # equivalent
        "shop.core.errors.x_a__mutmut_5": SURVIVED,  # out of mutmut's reach
        "shop.core.errors.x_a__mutmut_6": SURVIVED,
        "shop.core.errors.x_a__mutmut_7": None,  # not run
    }
    meta.write_text(json.dumps({"exit_code_by_key": codes}))
    return tmp_path


def test_equivalent_mutants_are_set_aside_and_unrun_ones_not_counted(
    mutants: Path,
) -> None:
    equivalent = {"shop.core.errors.x_a__mutmut_4"}
    by_hand = frozenset({"shop.core.errors.x_a__mutmut_5"})

    tallies, problems = tally(read_outcomes(mutants), equivalent, by_hand)

    [errors] = tallies.values()
    # (2 killed + 1 timeout + 1 killed by hand) / (6 run - 1 equivalent)
    assert errors.score == pytest.approx(4 / 5)
    assert errors.survivors == ["shop.core.errors.x_a__mutmut_6"]
    assert problems == []
    assert "survivor: shop.core.errors.x_a__mutmut_6" in report(tallies, problems)


def test_a_listed_mutant_that_a_test_kills_is_reported(mutants: Path) -> None:
    listed = {"shop.core.errors.x_a__mutmut_1", "shop.core.errors.x_a__mutmut_99"}

    _, problems = tally(read_outcomes(mutants), listed)

    assert problems == [
        "shop.core.errors.x_a__mutmut_1 is listed but killed: take it off the list",
        "shop.core.errors.x_a__mutmut_99 is listed but mutmut made no such mutant",
    ]


def test_every_listed_mutant_gives_a_reason(tmp_path: Path) -> None:
    listing = tmp_path / "equivalent_mutants.yml"
    listing.write_text("- mutant: shop.core.errors.x_a__mutmut_4\n  change: x\n")

    with pytest.raises(ValueError, match=r"entry 1 .* gives no reason"):
        listed_names(listing)


def test_the_committed_list_reads() -> None:
    equivalent, by_hand = listed_names()

    assert equivalent
    assert by_hand
    assert not equivalent & by_hand
