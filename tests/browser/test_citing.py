"""Citing a principle: copy buttons put exactly the right text on the clipboard."""

from playwright.async_api import Page, expect

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.registry import load_registry
from handbook.content.review_comments import absolute, review_comment, review_line
from handbook.site.listing_pages import checklist_markdown

REGISTRY = load_registry(DOCS_DIR)
PRINCIPLE = REGISTRY.by_id("PERF-EAGER-LOAD")
# The site is built with SITE_URL=https://handbook.test/ (tests/conftest.py).
PUBLISHED = "https://handbook.test/"


async def _clipboard(page: Page) -> str:
    text: str = await page.evaluate("navigator.clipboard.readText()")
    return text


async def test_the_id_badge_button_copies_the_short_url(
    clipboard_page: Page, site_url: str
) -> None:
    page = clipboard_page
    await page.goto(site_url + PRINCIPLE.url)
    await page.evaluate("navigator.clipboard.writeText('')")
    await page.get_by_role(
        "button", name=f"Copy the short link to {PRINCIPLE.id}"
    ).click()
    assert await _clipboard(page) == absolute(PUBLISHED, PRINCIPLE.short_url)


async def test_the_id_badge_links_to_the_short_url(page: Page, site_url: str) -> None:
    await page.goto(site_url + PRINCIPLE.url)
    badge = page.get_by_role("link", name=PRINCIPLE.id, exact=True)
    # The link itself, not only where a click ends: a badge linking to its
    # own page would end there too.
    assert await badge.evaluate("a => a.href") == site_url + PRINCIPLE.short_url
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await badge.click()
    await expect(page).to_have_url(site_url + PRINCIPLE.url)
    assert requested[0] == site_url + PRINCIPLE.short_url, requested


async def test_the_review_comment_copy_button_copies_the_comment(
    clipboard_page: Page, site_url: str
) -> None:
    page = clipboard_page
    await page.goto(site_url + PRINCIPLE.url)
    block = page.locator("#in-code-review ~ .language-text").first
    await block.hover()
    await block.get_by_role("button", name="Copy to clipboard").click()
    assert await _clipboard(page) == review_comment(PRINCIPLE, PUBLISHED)


async def _copy_button_overlaps_text(page: Page) -> bool:
    """Whether the copy button's box meets any line box of the comment's text."""
    overlaps: bool = await page.evaluate(
        """() => {
            const block = document.querySelector('#in-code-review ~ .language-text');
            const button = block.querySelector('.md-code__button, .md-clipboard');
            const b = button.getBoundingClientRect();
            const range = document.createRange();
            range.selectNodeContents(block.querySelector('code'));
            return [...range.getClientRects()].some(r =>
                r.width > 0 && r.left < b.right && r.right > b.left &&
                r.top < b.bottom && r.bottom > b.top);
        }"""
    )
    return overlaps


async def test_the_copy_button_does_not_cover_the_comment(
    page: Page, phone: Page, site_url: str
) -> None:
    for screen in (page, phone):
        await screen.goto(site_url + PRINCIPLE.url)
        await screen.locator("#in-code-review ~ .language-text").first.hover()
        assert not await _copy_button_overlaps_text(screen), screen.viewport_size


async def test_the_checklist_copy_button_copies_the_task_list(
    clipboard_page: Page, site_url: str
) -> None:
    page = clipboard_page
    await page.goto(site_url + "checklist/")
    block = page.locator("#copy-as-a-task-list ~ .language-markdown").first
    await block.hover()
    await block.get_by_role("button", name="Copy to clipboard").click()
    copied = await _clipboard(page)
    assert copied.rstrip("\n") == checklist_markdown(REGISTRY, PUBLISHED).rstrip("\n")


async def test_the_one_line_comment_copy_button_copies_the_one_line_form(
    clipboard_page: Page, site_url: str
) -> None:
    page = clipboard_page
    await page.goto(site_url + PRINCIPLE.url)
    await page.evaluate("navigator.clipboard.writeText('')")
    block = page.locator("#in-code-review ~ .language-text").nth(1)
    await block.hover()
    await block.get_by_role("button", name="Copy to clipboard").click()
    assert await _clipboard(page) == review_line(PRINCIPLE, PUBLISHED)


async def test_the_checklist_task_list_wraps_on_a_phone_and_copies_unchanged(
    phone: Page, site_url: str
) -> None:
    await phone.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/")
    )
    await phone.goto(site_url + "checklist/")
    block = phone.locator("#copy-as-a-task-list ~ .language-markdown").first
    # Every line fits the 390 px screen: nothing to scroll sideways to.
    sideways = await block.locator("pre > code").evaluate(
        "code => code.scrollWidth - code.clientWidth"
    )
    assert sideways <= 1, f"the task list scrolls {sideways} px sideways"
    right = await block.evaluate("block => block.getBoundingClientRect().right")
    assert right <= await phone.evaluate("document.documentElement.clientWidth")
    # Wrapped on screen only: the copy is the task list, line for line.
    await block.hover()
    await block.get_by_role("button", name="Copy to clipboard").click()
    copied = await _clipboard(phone)
    assert copied.rstrip("\n") == checklist_markdown(REGISTRY, PUBLISHED).rstrip("\n")
