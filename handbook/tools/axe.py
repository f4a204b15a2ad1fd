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
    # Then wait for the colour transitions the change starts to end, however
    # long a busy machine takes to run them: axe measures contrast as it is,
    # and mid-transition every colour is between two schemes. A fixed 300 ms
    # was not enough on a loaded CI machine (color-contrast on 286 elements).
    # getAnimations() restyles the page first, so it sees those transitions;
    # it is asked again until none runs, as one ending can start another (a
    # link's colour follows its parent's).
    await page.evaluate(
        """async scheme => {
            document.body.setAttribute('data-md-color-scheme', scheme);
            const running = () => document.getAnimations().filter(animation =>
                animation instanceof CSSTransition && animation.playState !== 'finished');
            for (let round = 0; round < 50 && running().length; round++) {
                await Promise.all(running().map(t => t.finished.catch(() => null)));
                await new Promise(requestAnimationFrame);
            }
        }""",
        scheme,
    )


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
