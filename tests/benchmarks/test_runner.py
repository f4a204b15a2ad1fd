"""Variants take turns: each run starts one place further along."""

from benchmarks.runner import taking_turns


def test_variants_rotate_by_one_place_each_run() -> None:
    routes = ["blocking", "awaiting", "thread"]

    orders = [taking_turns(routes, run) for run in range(4)]

    assert orders == [
        ["blocking", "awaiting", "thread"],
        ["awaiting", "thread", "blocking"],
        ["thread", "blocking", "awaiting"],
        ["blocking", "awaiting", "thread"],
    ]


def test_two_variants_alternate() -> None:
    assert taking_turns({"offset": 1, "cursor": 2}, 1) == ["cursor", "offset"]
