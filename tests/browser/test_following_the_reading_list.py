"""Following the reading list in a real browser, and IDs that never wrap."""

import re

from playwright.async_api import Page, expect

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.registry import load_registry
from tests.browser.search_box import search

REGISTRY = load_registry(DOCS_DIR)

# Start here's entries in page order, each with the part (h2) it is under.
START_HERE_ENTRIES = """() => {
  let part = null;
  const entries = [];
  for (const el of document.querySelectorAll('.md-content h2[id], .pbp-reading li')) {
    if (el.tagName === 'H2') { part = el.textContent.split(':')[0].trim(); continue; }
    entries.push({
      part,
      number: Number(el.querySelector('.pbp-number').textContent.replace('.', '')),
      href: el.querySelector('a').href,
      minutes: Number(el.textContent.match(/· (\\d+) min/)[1]),
    });
  }
  return entries;
}"""


async def test_next_in_a_browser_starts_the_list_and_crosses_the_end_of_each_part(
    page: Page, site_url: str
) -> None:
    """A reader's clicks on Next, at the start of the list and across the end
    of each part, with the place and the milestone of each page reached.

    tests/docs/test_reading_list.py checks every page's Next link, place and
    milestone in the built HTML. What the browser adds is the click, which
    Material's instant navigation turns into a fetch and a swap of the page:
    the same script on every page, so these clicks are the list's first, and
    the ones onto and off the last page of each part, not all 56 (22 s of CPU).
    """
    await page.goto(site_url + "start-here/")
    entries = await page.evaluate(START_HERE_ENTRIES)
    assert len(entries) == len(REGISTRY.principles)
    count = {
        part: sum(e["part"] == part for e in entries)
        for part in ("Day one", "Week one")
    }
    assert sum(count.values()) == len(entries), count
    next_page = page.locator("a.md-footer__link--next")

    async def arrived_at(at: int) -> None:
        entry = entries[at]
        await expect(page).to_have_url(entry["href"])
        place = f"{entry['part']} · {entry['number']} of {count[entry['part']]} · {entry['minutes']} min"
        await expect(page.locator(".pbp-place")).to_have_text(place)
        last_of_part = entry["number"] == count[entry["part"]]
        milestone = page.locator(".pbp-milestone")
        await expect(milestone).to_have_count(1 if last_of_part else 0)
        if last_of_part:
            await expect(milestone.locator(".admonition-title")).to_have_text(
                f"End of {entry['part'].lower()}"
            )

    await page.locator(".pbp-reading a").first.click()
    await arrived_at(0)
    await next_page.click()
    await arrived_at(1)
    end_of_day_one, end_of_week_one = count["Day one"] - 1, len(entries) - 1
    for first, last in (
        (end_of_day_one - 1, end_of_day_one + 1),
        (end_of_week_one - 1, end_of_week_one),
    ):
        await page.goto(entries[first]["href"])
        await arrived_at(first)
        for at in range(first + 1, last + 1):
            await next_page.click()
            await arrived_at(at)

    # The end of week one: what to do next, and Next leads to the first of it.
    steps = page.locator(".pbp-milestone ol > li")
    await expect(steps).to_have_count(3)
    await expect(steps.nth(0)).to_contain_text("Run the reference service")
    await expect(steps.nth(1)).to_contain_text("Review a pull request")
    await expect(steps.nth(2)).to_contain_text("principles check")
    hrefs = await steps.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == [
        site_url + "reference/#run-it",
        site_url + "checklist/",
        site_url + "code-review/",
        site_url + "checker/",
    ]
    # Next names where it leads as that page's heading does, not "Overview".
    next_link = page.locator("a.md-footer__link--next")
    await expect(next_link.locator(".md-ellipsis")).to_have_text(
        "The reference service"
    )
    await next_link.click()
    await expect(page).to_have_url(site_url + "reference/")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(
        "The reference service"
    )
    await page.locator("a.md-footer__link--prev").click()
    await expect(page).to_have_url(entries[-1]["href"])


async def test_previous_from_the_first_day_one_page_is_start_here(
    page: Page, site_url: str
) -> None:
    await page.goto(site_url + "start-here/")
    first = await page.locator(".pbp-reading a").first.get_attribute("href")
    await page.locator("a.md-footer__link--next").click()
    await expect(page.locator(".pbp-place")).to_contain_text("Day one · 1 of ")
    assert first is not None
    assert page.url.endswith(first.removeprefix("../"))
    await page.locator("a.md-footer__link--prev").click()
    await expect(page).to_have_url(site_url + "start-here/")


# Every element of the page that shows an ID, whether it is on one line, and
# whether it still is in a box narrower than the ID: where a hyphen could
# break the line, a box that narrow breaks it.
ID_LINES = """(selector) => {
  const ID = /[A-Z][A-Z0-9]*(?:[-\\u2011][A-Z0-9]+)+/;
  // How many lines the element's first ID takes: its characters as a range,
  // across the text nodes (search highlighting splits an ID into <mark>s).
  const lines = (el) => {
    const match = ID.exec(el.textContent);
    if (!match) return {id: null, lines: 0};
    const range = document.createRange();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let seen = 0, start = match.index, end = match.index + match[0].length;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const length = node.textContent.length;
      if (start >= seen && start < seen + length) range.setStart(node, start - seen);
      if (end > seen && end <= seen + length) { range.setEnd(node, end - seen); break; }
      seen += length;
    }
    const tops = [...range.getClientRects()].map(r => r.top).sort((a, b) => a - b);
    const count = tops.filter((top, at) => at === 0 || top - tops[at - 1] > 4).length;
    return {id: match[0], lines: count};
  };
  // Material keeps hidden copies of some titles (the active page's, in the
  // sidebar): only what is rendered is shown.
  const shown = [...document.querySelectorAll(selector)].filter(
    (el) => el.getClientRects().length > 0 && ID.test(el.textContent)
  );
  const squeeze = document.createElement('style');
  squeeze.textContent = `.pbp-test-squeeze { display: inline-block !important; width: 3em !important; }
    .pbp-test-squeeze, .pbp-test-squeeze * {
      overflow-wrap: normal !important; word-break: normal !important; }`;
  document.head.append(squeeze);
  const found = shown.map((el) => {
    const natural = lines(el);
    // Squeezed, with breaks inside words turned off (Material lets a <mark>
    // break anywhere): what a line may still break at is a hyphen or a space.
    el.classList.add('pbp-test-squeeze');
    const squeezed = lines(el);
    el.classList.remove('pbp-test-squeeze');
    return {id: natural.id, natural: natural.lines, squeezed: squeezed.lines};
  });
  squeeze.remove();
  return found;
}"""


async def _ids_stay_on_one_line(page: Page, selector: str, least: int) -> None:
    found = await page.evaluate(ID_LINES, selector)
    assert len(found) >= least, (selector, found)
    broken = [f for f in found if f["natural"] != 1 or f["squeezed"] != 1]
    assert not broken, (selector, broken)


async def test_ids_never_wrap_at_the_hyphen_on_a_phone(
    phone: Page, site_url: str
) -> None:
    principle = REGISTRY.by_id("STACK-PYDANTIC")
    await phone.goto(site_url + principle.url)
    # The sidebar, opened as a phone reader opens it.
    await phone.get_by_role("button", name="Navigation").click()
    await _ids_stay_on_one_line(
        phone, ".md-sidebar--primary .pbp-nav-id", len(REGISTRY.principles)
    )
    await _ids_stay_on_one_line(phone, ".md-content a.pbp-id", 1)
    await _ids_stay_on_one_line(phone, ".md-content .pbp-nowrap", 1)  # review comment
    # The short link under the rule, on the first screen ("…/id/DB-" then
    # "SESSION/" on a 390 px phone).
    await _ids_stay_on_one_line(phone, ".md-content .rule a[href*='/id/']", 1)
    await phone.goto(site_url + "start-here/")
    await _ids_stay_on_one_line(phone, ".pbp-reading code", len(REGISTRY.principles))
    await phone.goto(site_url + "checklist/")
    await _ids_stay_on_one_line(phone, ".pbp-checklist code", len(REGISTRY.principles))


# The drawer's links whose text runs past the drawer's right edge.
PAST_THE_DRAWER = """() => {
  const drawer = document.querySelector('.md-sidebar--primary .md-sidebar__scrollwrap');
  const edge = drawer.getBoundingClientRect().right;
  return [...drawer.querySelectorAll('.md-nav__link')]
    .filter((link) => {
      const box = link.getBoundingClientRect();
      // Shown: the open section's links (the others slide off to a side).
      return box.height > 0 && box.left >= 0 && box.right <= edge + 1;
    })
    .map((link) => {
      const text = document.createRange();
      text.selectNodeContents(link);
      return {title: link.textContent.trim().replace(/\\s+/g, ' '),
              right: Math.round(text.getBoundingClientRect().right), edge};
    })
    .filter((link) => link.right > link.edge + 1);
}"""


async def test_principle_titles_stay_inside_the_phone_drawer(
    phone: Page, site_url: str
) -> None:
    # Each area's drawer, opened from its first page: its own page is the
    # entry with the contents icon, the others plain links.
    for area, principles in REGISTRY.areas_in_use():
        await phone.goto(site_url + principles[0].url)
        await phone.get_by_role("button", name="Navigation").click()
        section = phone.locator(".md-nav--primary .md-nav__title", has_text=area.title)
        await expect(section.first).to_be_visible()
        # Measured once the drawer has slid in.
        await phone.wait_for_function(
            "() => document.getAnimations().every(a => a.playState !== 'running')"
        )
        past = await phone.evaluate(PAST_THE_DRAWER)
        assert not past, (area.title, past)


async def test_a_principle_s_search_result_is_headed_by_id_and_short_name(
    phone: Page, site_url: str
) -> None:
    principle = REGISTRY.by_id("STACK-PYDANTIC")
    await phone.goto(site_url, wait_until="networkidle")
    await phone.get_by_role("button", name="Search", exact=True).click()
    results = await search(phone, "STACK-PYDANTIC")
    assert results[0] == principle.url
    title = phone.locator(".md-search-result__article > h1").first
    shown = re.sub(r"\s+", " ", await title.inner_text())
    # Shown with non-breaking hyphens; the index and the link keep the ID.
    assert shown == f"STACK\u2011PYDANTIC · {principle.short_name}"
    await _ids_stay_on_one_line(phone, ".md-search-result__article > h1", 1)


async def test_start_heres_first_screen_on_a_phone_opens_the_first_principle(
    phone: Page, site_url: str
) -> None:
    # The list begins below the first screen of a phone; the first screen
    # said "Open the first principle" and had no link to it.
    await phone.goto(site_url + "start-here/")
    first_entry = await phone.locator(".pbp-reading a").first.evaluate("a => a.href")
    height = phone.viewport_size["height"] if phone.viewport_size else 0
    on_first_screen = await phone.locator("article a").evaluate_all(
        """(links, height) => links
            .filter(a => { const r = a.getBoundingClientRect();
                           return r.height > 0 && r.bottom <= height; })
            .map(a => ({text: a.textContent.trim(), href: a.href}))""",
        height,
    )
    to_first = [link for link in on_first_screen if link["href"] == first_entry]
    assert to_first, f"no link to {first_entry} on the first screen: {on_first_screen}"
    await phone.get_by_role("link", name=to_first[0]["text"]).first.click()
    await expect(phone).to_have_url(first_entry)


async def test_a_principle_s_tags_and_aliases_stay_whole_on_a_phone(
    phone: Page, site_url: str
) -> None:
    # The page with the longest tag or alias: if that one fits on one line,
    # the shorter ones do. A line broke after the hyphen of connection-pool.
    principle = max(
        REGISTRY.principles, key=lambda p: max(map(len, [*p.tags, *p.aliases]))
    )
    await phone.goto(site_url + principle.url)
    chips = await phone.locator(".pbp-meta code, .pbp-aliases code").evaluate_all(
        """codes => codes.map(code => {
            const box = code.getBoundingClientRect();
            return [code.textContent, code.getClientRects().length,
                    box.right <= document.documentElement.clientWidth];
        })"""
    )
    assert chips, f"{principle.id}: no tags or aliases shown"
    broken = [
        (text, lines, inside)
        for text, lines, inside in chips
        if lines != 1 or not inside
    ]
    assert not broken, (
        f"{principle.id}: broken across lines or off the screen: {broken}"
    )
