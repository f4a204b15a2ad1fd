"""Run axe-core in a page, in both colour schemes: used by the tests and the audit.

axe-core's ``axe.min.js`` is vendored (with its MPL-2.0 licence) under
``tests/browser/axe/`` so the check runs offline, with no npm install.
"""

from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Page

AXE_JS = (
    Path(__file__).resolve().parents[2] / "tests" / "browser" / "axe" / "axe.min.js"
)
SCHEMES = ("default", "slate")
# WCAG 2.x A and AA plus axe's best practices: what Lighthouse checks, and more.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:3])
        more = f" (+{len(self.targets) - 3} more)" if len(self.targets) > 3 else ""
        return f"{self.rule} [{self.impact}] {self.help}: {shown}{more}"


async def set_scheme(page: Page, scheme: str) -> None:
    """Show the page in one of Material's colour schemes (as its toggle does)."""
    await page.evaluate(
        "scheme => document.body.setAttribute('data-md-color-scheme', scheme)",
        scheme,
    )
    # Let colour transitions finish before anything measures contrast.
    await page.wait_for_timeout(300)


async def axe_violations(page: Page, within: str | None = None) -> list[Violation]:
    """Run axe on the page as it is now, or on the elements ``within`` selects."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    results = await page.evaluate(
        # resultTypes: details for violations only, which makes a run faster.
        """([tags, within]) => axe.run(within || document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        [AXE_TAGS, within],
    )
    return [
        Violation(
            rule=v["id"],
            impact=v.get("impact") or "",
            help=v["help"],
            targets=tuple(str(n["target"]) for n in v["nodes"]),
        )
        for v in results["violations"]
    ]


async def violations_by_scheme(
    page: Page, within: str | None = None
) -> dict[str, list[Violation]]:
    """``axe_violations`` of the page in each of Material's colour schemes."""
    found = {}
    for scheme in SCHEMES:
        await set_scheme(page, scheme)
        found[scheme] = await axe_violations(page, within)
    return found
