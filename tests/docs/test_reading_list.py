"""The reading list: Start here's order, each page's place, Next and Previous."""

import re
from html import unescape
from pathlib import Path

import pytest

from handbook.content.registry import Registry
from handbook.site.listing_pages import reading_minutes
from handbook.site.principle_page import milestone
from handbook.site.reading_list import (
    AFTER_READING,
    DAY_ONE,
    START_HERE,
    WEEK_ONE,
    Stop,
    neighbours,
    reading_list,
)


@pytest.fixture(scope="module")
def stops(registry: Registry) -> list[Stop]:
    minutes = {p.id: reading_minutes(p.document.body) for p in registry.principles}
    return reading_list(registry, minutes)


def _uri(stop: Stop) -> str:
    return stop.principle.path.as_posix()


def test_day_one_is_every_must_then_week_one_the_rest_in_reading_order(
    registry: Registry, stops: list[Stop]
) -> None:
    order = registry.reading_order()
    musts = [p for p in order if p.level == "must"]
    rest = [p for p in order if p.level != "must"]
    assert [s.principle for s in stops] == musts + rest
    assert [s.part for s in stops] == [DAY_ONE] * len(musts) + [WEEK_ONE] * len(rest)
    assert [s.number for s in stops] == [
        *range(1, len(musts) + 1),
        *range(1, len(rest) + 1),
    ]
    assert {s.of for s in stops if s.part is DAY_ONE} == {len(musts)}
    assert {s.of for s in stops if s.part is WEEK_ONE} == {len(rest)}


def test_a_place_reads_part_number_count_and_minutes(stops: list[Stop]) -> None:
    fourth = stops[3]
    assert fourth.place == f"Day one · 4 of {fourth.of} · {fourth.minutes} min"


def test_following_next_from_start_here_reads_the_list_in_order_then_leaves_it(
    stops: list[Stop],
) -> None:
    links = neighbours(stops)
    visited, page = [], links[START_HERE][1]
    while page in links and page != AFTER_READING:
        visited.append(page)
        page = links[page][1]
    assert visited == [_uri(s) for s in stops]
    assert page == AFTER_READING


def test_previous_retraces_next(stops: list[Stop]) -> None:
    links = neighbours(stops)
    for page, (_, following) in links.items():
        if following is not None:
            assert links[following][0] == page, page


def test_the_list_decides_no_other_page_s_neighbours(stops: list[Stop]) -> None:
    """Home, the checklist, the API reference...: MkDocs' sidebar order."""
    links = neighbours(stops)
    assert set(links) == {_uri(s) for s in stops} | {START_HERE, AFTER_READING}
    assert links[START_HERE][0] is None  # Home, as in the sidebar
    assert links[AFTER_READING][1] is None


def test_only_the_last_page_of_each_part_marks_its_end(stops: list[Stop]) -> None:
    ends = [s for s in stops if s.ends_part]
    last_must = max(at for at, s in enumerate(stops) if s.part is DAY_ONE)
    assert ends == [stops[last_must], stops[-1]]
    assert stops[last_must + 1].part is WEEK_ONE
    following = dict(zip(map(_uri, stops), [*stops[1:], None], strict=True))
    assert all(milestone(s, following[_uri(s)]) == "" for s in stops if s not in ends)


def test_the_end_of_day_one_names_where_week_one_starts(stops: list[Stop]) -> None:
    last_must = next(s for s in stops if s.part is DAY_ONE and s.ends_part)
    first_of_week = stops[stops.index(last_must) + 1]
    text = milestone(last_must, first_of_week)
    assert "End of day one" in text
    assert (
        f"`{first_of_week.principle.id}` · {first_of_week.principle.short_name}" in text
    )


def test_the_end_of_week_one_says_what_to_do_next(stops: list[Stop]) -> None:
    text = milestone(stops[-1], None)
    assert "End of week one" in text
    targets = re.findall(r"\]\((?:\.\./)+([^)#]+)", text)
    assert targets == [
        "start-here.md",  # the part that ended
        "reference/index.md",
        "checklist.md",
        "code-review.md",
        "checker.md",
    ]
    assert "`principles check`" in text


# The built site ------------------------------------------------------------


def _footer(built_site: Path, uri: str) -> dict[str, str]:
    """The page's Previous and Next links, as site-relative URLs."""
    url = uri.removesuffix(".md").removesuffix("index") + "/"
    url = url.replace("//", "/").lstrip("/")
    html = (built_site / url / "index.html").read_text()
    found = {}
    for href, side in re.findall(
        r'<a href="([^"]+)" class="md-footer__link md-footer__link--(prev|next)"',
        html,
    ):
        found[side] = str((Path("/" + url) / href).resolve()).lstrip("/") + "/"
    return found


def _url(uri: str) -> str:
    return (uri.removesuffix(".md").removesuffix("index").rstrip("/") + "/").lstrip("/")


def test_every_page_on_the_list_links_on_in_reading_order(
    built_site: Path, stops: list[Stop]
) -> None:
    for page, (previous, following) in neighbours(stops).items():
        footer = _footer(built_site, page)
        if previous is not None:
            assert footer["prev"] == _url(previous), page
        if following is not None:
            assert footer["next"] == _url(following), page


def test_every_principle_page_shows_its_place_and_the_ends_are_marked(
    built_site: Path, stops: list[Stop]
) -> None:
    for stop in stops:
        html = (built_site / stop.principle.url / "index.html").read_text()
        place = re.search(r'<p class="pbp-place">(.*?)</p>', html)
        assert place, stop.principle.id
        assert unescape(re.sub(r"<[^>]+>", "", place[1])) == stop.place
        assert ("pbp-milestone" in html) == stop.ends_part, stop.principle.id
