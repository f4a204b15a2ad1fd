"""The mutation score of `task mutation`, with the equivalent mutants set aside.

mutmut 3.8 leaves one ``<module>.py.meta`` JSON file per mutated module
under ``mutants/``, holding the exit code of each mutant's test run. This
reads them, sets aside the mutants that ``equivalent_mutants.yml`` lists
(each with the reason no test can tell it from the code), and prints, per
module and in total::

    score = (killed + timed out) / (mutants run - equivalent)

Some survivors are out of mutmut's reach rather than equivalent: code that
runs once, at import or when a route is registered, before mutmut switches
a mutant on. The list names each with ``killed_by``, the test that fails
when the mutant is applied to the source by hand, and they count as killed.

A listed mutant that no longer survives, or that mutmut no longer makes,
is reported too: the list must not hide a mutant a test now kills.

Run from the mutation directory: ``python -m tests.service.mutation_score``
(``task mutation`` does).
"""

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EQUIVALENTS = Path(__file__).with_name("equivalent_mutants.yml")

# mutmut 3.8's exit codes (mutmut/__main__.py, status_by_exit_code).
_STATUS = {
    0: "survived",
    1: "killed",
    3: "killed",
    -24: "timeout",
    24: "timeout",
    36: "timeout",
    152: "timeout",
    255: "timeout",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    35: "suspicious",
    -11: "segfault",
    -9: "killed by the OS",
    None: "not run",
}


@dataclass
class Tally:
    """The outcomes of one module's mutants."""

    outcomes: Counter[str] = field(default_factory=Counter)
    equivalent: int = 0
    survivors: list[str] = field(default_factory=list)

    @property
    def detected(self) -> int:
        return self.outcomes["killed"] + self.outcomes["timeout"]

    @property
    def scored(self) -> int:
        """Mutants that count: run, and not listed as equivalent."""
        return sum(self.outcomes.values()) - self.outcomes["not run"] - self.equivalent

    @property
    def score(self) -> float:
        return self.detected / self.scored if self.scored else 1.0


def read_outcomes(mutants_dir: Path) -> dict[str, dict[str, str]]:
    """module path -> mutant name -> status, from mutmut's ``.meta`` files."""
    outcomes: dict[str, dict[str, str]] = {}
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        module = str(meta.relative_to(mutants_dir)).removesuffix(".meta")
        outcomes[module] = {
            name: _STATUS.get(code, f"exit code {code}") for name, code in codes.items()
        }
    return outcomes


def listed_names(path: Path = EQUIVALENTS) -> tuple[set[str], set[str]]:
    """The mutants listed as equivalent, and those killed by hand."""
    entries = yaml.safe_load(path.read_text())
    equivalent: set[str] = set()
    by_hand: set[str] = set()
    for number, entry in enumerate(entries, 1):
        if not entry.get("reason"):
            raise ValueError(f"{path}: entry {number} ({entry}) gives no reason")
        (by_hand if entry.get("killed_by") else equivalent).add(entry["mutant"])
    return equivalent, by_hand


def tally(
    outcomes: dict[str, dict[str, str]],
    equivalent: set[str],
    by_hand: frozenset[str] = frozenset(),
) -> tuple[dict[str, Tally], list[str]]:
    """Per-module tallies, and the problems with the list."""
    tallies: dict[str, Tally] = {}
    seen: set[str] = set()
    problems = []
    for module, statuses in outcomes.items():
        module_tally = tallies.setdefault(module, Tally())
        for name, status in statuses.items():
            listed = name in equivalent or name in by_hand
            if listed:
                seen.add(name)
            if listed and status == "timeout":
                # A loaded machine, not a test: a listed mutant changes
                # nothing that could make a test wait.
                status = "survived"
            if listed and status not in ("survived", "not run"):
                problems.append(f"{name} is listed but {status}: take it off the list")
            elif name in by_hand and status == "survived":
                status = "killed"  # out of mutmut's reach; see killed_by
            module_tally.outcomes[status] += 1
            if name in equivalent and status == "survived":
                module_tally.equivalent += 1
            elif status == "survived":
                module_tally.survivors.append(name)
    problems += [
        f"{name} is listed but mutmut made no such mutant"
        for name in sorted((equivalent | by_hand) - seen)
    ]
    return tallies, problems


def report(tallies: dict[str, Tally], problems: list[str]) -> str:
    """The table `task mutation` prints."""
    lines = [
        f"{'module':45} {'mutants':>7} {'killed':>6} {'timeout':>7} {'equiv':>5} {'surv':>4} {'notrun':>6} {'score':>6}"
    ]
    total = Tally()
    for module, module_tally in sorted(tallies.items()):
        total.outcomes += module_tally.outcomes
        total.equivalent += module_tally.equivalent
        total.survivors += module_tally.survivors
        lines.append(_row(module, module_tally))
    lines.append(_row("total", total))
    lines += [f"survivor: {name}" for name in total.survivors]
    lines += [f"problem: {problem}" for problem in problems]
    return "\n".join(lines)


def _row(label: str, row: Tally) -> str:
    return (
        f"{label:45} {sum(row.outcomes.values()):7} {row.outcomes['killed']:6} "
        f"{row.outcomes['timeout']:7} {row.equivalent:5} {len(row.survivors):4} "
        f"{row.outcomes['not run']:6} "
        f"{row.score:6.1%}"
    )


def main() -> int:
    equivalent, by_hand = listed_names()
    tallies, problems = tally(
        read_outcomes(Path("mutants")), equivalent, frozenset(by_hand)
    )
    print(report(tallies, problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
