"""Every OWASP ASVS requirement the handbook cites names its version and is in it.

ASVS renumbered its requirements in 5.0.0: V7 was Error Handling and
Logging in 4.0.3 and is Session Management in 5.0.0, and 4.0.3's 2.2.1 (no
more than 100 failed attempts an hour) became 5.0.0's 6.3.1, without the
number. A bare "ASVS V7.1.3" is wrong in one version or the other, so a
page or the service cites a requirement as ASVS itself asks, "v<version>-
<requirement>" (5.0.0, "Using the ASVS"), and names a version wherever it
says "ASVS". Each cited requirement is one recorded below from ASVS's own
text, and the paragraph that cites it is about what it requires.
"""

import re
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT

# The requirements cited, as published at the release tags of
# github.com/OWASP/ASVS (v4.0.3_release: 4.0/en/0x11-V2-Authentication.md;
# v5.0.0_release: 5.0/en/0x15-V6-Authentication.md and
# 0x25-V16-Security-Logging-and-Error-Handling.md), each with words one of
# which the citing paragraph must use.
ASVS = {
    "v4.0.3-2.2.1": (
        "Verify that anti-automation controls are effective at mitigating"
        " breached credential testing, brute force, and account lockout attacks."
        " [...] Verify that no more than 100 failed attempts per hour is"
        " possible on a single account.",
        ("brute force", "guesses"),
    ),
    "v5.0.0-6.1.1": (
        "Verify that application documentation defines how controls such as"
        " rate limiting, anti-automation, and adaptive response, are used to"
        " defend against attacks such as credential stuffing and password brute"
        " force. [...]",
        ("brute force", "guesses"),
    ),
    "v5.0.0-6.2.3": (
        "Verify that password change functionality requires the user's current"
        " and new password.",
        ("current",),
    ),
    "v5.0.0-6.3.1": (
        "Verify that controls to prevent attacks such as credential stuffing and"
        " password brute force are implemented according to the application's"
        " security documentation.",
        ("brute force", "guesses"),
    ),
    "v5.0.0-16.3.1": (
        "Verify that all authentication operations are logged, including"
        " successful and unsuccessful attempts. [...]",
        ("authentication event",),
    ),
}
VERSIONS = {"4.0.3", "5.0.0"}

CITING = sorted(
    path
    for path in [*DOCS_DIR.rglob("*.md"), *(REPO_ROOT / "snippets").rglob("*.py")]
    if "ASVS" in path.read_text()
)
# "ASVS" and what follows it: a version, or a requirement with its version.
NAMED = re.compile(r"\bASVS\b\s*\(?v?(?P<version>\d+\.\d+\.\d+)?")
REQUIREMENT = re.compile(r"\bv(?P<version>\d+\.\d+\.\d+)-(?P<number>\d+\.\d+\.\d+)\b")
# A requirement number with no version, such as "V2.2.1".
UNVERSIONED = re.compile(r"(?<![\w.-])V\d+\.\d+(?:\.\d+)?\b")


def asvs_problems(text: str) -> list[str]:
    """What is wrong with the ASVS references in ``text``."""
    problems = [
        f"no ASVS version ({', '.join(sorted(VERSIONS))}) named at"
        f" {' '.join(text[match.start() : match.start() + 16].split())!r}"
        for match in NAMED.finditer(text)
        if match["version"] not in VERSIONS
    ]
    problems += [
        f"{match[0]!r} is a requirement number without its version"
        for match in UNVERSIONED.finditer(text)
    ]
    for paragraph in re.split(r"\n\s*\n", text):
        folded = " ".join(paragraph.split()).lower()
        for match in REQUIREMENT.finditer(paragraph):
            if match[0] not in ASVS:
                problems.append(f"{match[0]} is not a requirement recorded here")
            elif not any(word in folded for word in ASVS[match[0]][1]):
                problems.append(
                    f"{match[0]} is cited in a paragraph about something else:"
                    f" {paragraph.strip()[:120]!r}"
                )
    return problems


def test_the_old_references_are_each_a_problem() -> None:
    assert asvs_problems("the current one (ASVS 5.0 V6.2.3)") == [
        "no ASVS version (4.0.3, 5.0.0) named at 'ASVS 5.0 V6.2.3)'",
        "'V6.2.3' is a requirement number without its version",
    ]
    assert len(asvs_problems("event (ASVS V7.1.3, V7.2.1)")) == 3
    assert asvs_problems("brute force (OWASP ASVS v5.0.0-7.1.3)") == [
        "v5.0.0-7.1.3 is not a requirement recorded here"
    ]
    assert asvs_problems("Log every sign-in (ASVS v5.0.0-6.2.3)") == [
        "v5.0.0-6.2.3 is cited in a paragraph about something else:"
        " 'Log every sign-in (ASVS v5.0.0-6.2.3)'"
    ]
    assert asvs_problems("with ASVS's ceiling enforced") == [
        'no ASVS version (4.0.3, 5.0.0) named at "ASVS\'s ceiling e"'
    ]
    assert (
        asvs_problems("the current one (ASVS v5.0.0-6.2.3), with ASVS 4.0.3's ceiling")
        == []
    )


def test_pages_and_the_service_cite_asvs() -> None:
    cited = {path.relative_to(REPO_ROOT).as_posix() for path in CITING}
    assert {
        "docs/principles/security/authentication.md",
        "docs/principles/security/brute-force-protection.md",
        "snippets/shop/users/service.py",
    } <= cited


@pytest.mark.parametrize(
    "path", CITING, ids=lambda path: path.relative_to(REPO_ROOT).as_posix()
)
def test_every_asvs_reference_names_its_version_and_a_requirement_in_it(
    path: Path,
) -> None:
    assert asvs_problems(path.read_text()) == []
