"""The review's drawing of the task graph (``graph_drawing.draw``): golden text for chains,
fan-out, fan-in, links that skip layers and tasks that stand alone; ``None`` (the caller then
shows the ``>>`` statements) where one bus would show a link that is not there."""

from __future__ import annotations

import pytest

from createdag.graph_drawing import draw

CASES = {
    "chain": ([("extract", []), ("clean", ["extract"]), ("load", ["clean"])], """\
extract ───> clean ───> load"""),
    "fan-out and fan-in": ([("extract", []), ("clean_orders", ["extract"]), ("clean_users", ["extract"]),
                            ("load", ["clean_orders", "clean_users"])], """\
extract ─┬─> clean_orders ─┬─> load
         └─> clean_users ──┘"""),
    "fan-in of roots": ([("a", []), ("b", []), ("c", []), ("load", ["a", "b", "c"])], """\
a ─┬─> load
b ─┤
c ─┘"""),
    "a link that skips a layer": ([("a", []), ("b", ["a"]), ("c", ["b"]), ("d", ["a", "c"])], """\
a ─┬─> b ───> c ─┬─> d
   └─────────────┘"""),
    "a root joining later": ([("a", []), ("b", ["a"]), ("c", ["b", "d"]), ("d", [])], """\
a ───> b ─┬─> c
d ────────┘"""),
    "two separate chains": ([("a", []), ("b", ["a"]), ("c", []), ("d", ["c"])], """\
a ───> b
c ───> d"""),
    "tasks alone": ([("a", []), ("b", [])], """\
a
b"""),
    "sensor before a fan-out": ([("wait_for_upstream", []), ("extract", ["wait_for_upstream"]),
                                 ("clean_a", ["extract"]), ("clean_b", ["extract"]), ("load", ["extract", "clean_b"])],
                                """\
wait_for_upstream ───> extract ─┬─> clean_a
                                ├─> clean_b ─┬─> load
                                └────────────┘"""),
}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_golden_drawings(name: str) -> None:
    tasks, expected = CASES[name]
    assert draw(tasks) == expected.splitlines()


def test_labels_replace_the_ids_shown() -> None:
    assert draw([("a", []), ("b", ["a"])], {"b": "b (4 pods)"}) == ["a ───> b (4 pods)"]


@pytest.mark.parametrize("tasks", [
    [("a", []), ("b", []), ("x", ["a"]), ("y", ["a", "b"])],  # partial links: a feeds x and y, b only y
    [("a", ["b"]), ("b", ["a"])],  # a cycle
])  # fmt: skip
def test_what_one_bus_cannot_show_is_not_drawn(tasks) -> None:
    assert draw(tasks) is None


def test_every_link_drawn_reads_back_from_the_drawing() -> None:
    """Each task of a fan-out/fan-in is on its own row, left of the tasks it feeds."""
    tasks = [("s", []), *[(f"t{i}", ["s"]) for i in range(5)], ("end", [f"t{i}" for i in range(5)])]
    lines = draw(tasks)
    assert lines is not None and len(lines) == 5
    assert all(f"─> t{i}" in lines[i] for i in range(5))
    assert lines[0].endswith("─┬─> end") and lines[4].rstrip().endswith("┘")
