"""What a pytest run in a subprocess reported, read from its summary line."""

import re

# "== 1 failed, 1 passed, 2 warnings in 0.31s ==", or the same without the
# rules under -q. The plural and singular forms are one outcome.
SUMMARY = re.compile(
    r"^=*\s*(?P<counts>\d+ [a-z]+(?:, \d+ [a-z]+)*) in [\d.]+s\b", re.M
)
SINGULAR = {"errors": "error", "warnings": "warning"}


def outcomes(stdout: str) -> dict[str, int]:
    """Each outcome of the run's last summary line and its count, exactly:
    ``{"failed": 1, "passed": 1}``; an ``in`` check on the text would take
    "12 passed" for "2 passed"."""
    found = SUMMARY.findall(stdout)
    assert found, f"no pytest summary line in:\n{stdout[-2000:]}"
    counts: dict[str, int] = {}
    for count in found[-1].split(", "):
        number, outcome = count.split(" ")
        counts[SINGULAR.get(outcome, outcome)] = int(number)
    return counts
