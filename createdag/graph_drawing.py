"""The task graph as a small drawing for the review: layers left to right, fan-out and fan-in
on one bus between two layers::

    extract ─┬─> clean_orders ─┬─> load
             └─> clean_users  ─┘

Pure: task ids and what each runs after in, lines of text out. A task sits in the layer after
the last task it waits for; a link that skips layers runs through the layers between as a line.
Between two layers, the links of each group of connected tasks share one vertical bus, which
reads right only when every task on the left of the group feeds every task on its right and
the groups' buses do not overlap. When that cannot be drawn so (a lattice of partial links,
say), ``draw`` returns ``None`` and the caller shows the ``>>`` statements instead: the drawing
never shows a link that is not there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

#: (left, right, up, down) -> the bus character joining those sides
_JOINS = {
    (True, True, False, False): "─", (True, True, False, True): "┬", (True, True, True, False): "┴",
    (True, True, True, True): "┼", (True, False, False, True): "┐", (True, False, True, False): "┘",
    (True, False, True, True): "┤", (False, True, False, True): "┌", (False, True, True, False): "└",
    (False, True, True, True): "├", (False, False, True, True): "│", (True, False, False, False): "─",
    (False, True, False, False): "─", (False, False, False, False): " ",
}  # fmt: skip


def draw(tasks: Sequence[tuple[str, Sequence[str]]], labels: Mapping[str, str] | None = None) -> list[str] | None:
    """The drawing of ``tasks`` (``(task_id, [ids it runs after])`` in file order), each task
    shown as ``labels[task_id]`` (default: its id); ``None`` when it cannot be drawn unambiguously."""
    labels = labels or {}
    names = [name for name, _ in tasks]
    after = {name: [p for p in dict.fromkeys(preds) if p in names] for name, preds in tasks}
    layer = _layers(names, after)
    if layer is None:
        return None
    depth = max(layer.values(), default=-1) + 1
    # every link joins two adjacent layers: a longer one goes through pass-through points
    links: list[tuple[str, str]] = []
    columns: list[list[str]] = [[] for _ in range(depth)]
    for name in names:
        columns[layer[name]].append(name)
    for name in names:
        for pred in after[name]:
            previous = pred
            for through in range(layer[pred] + 1, layer[name]):
                point = f"\0{pred}\0{name}\0{through}"  # never a task id
                columns[through].append(point)
                links.append((previous, point))
                previous = point
            links.append((previous, name))
    row = _rows(columns, links)
    if row is None:
        return None
    height = max(row.values(), default=-1) + 1
    widths = [max((len(labels.get(n, n)) for n in column if not n.startswith("\0")), default=1) for column in columns]
    lines = ["" for _ in range(height)]
    at = {(layer_of, row[n]): n for layer_of, column in enumerate(columns) for n in column}
    for k in range(depth):
        gap = [(s, t) for s, t in links if s in columns[k]] if k + 1 < depth else []
        sources = {s for s, _ in gap}
        for r in range(height):
            node = at.get((k, r))
            if node is None:
                cell = " " * (widths[k] + 1)
            elif node.startswith("\0"):
                cell = "─" * (widths[k] + 1)
            else:
                text = labels.get(node, node)
                pad = widths[k] - len(text)
                cell = text + (" " + "─" * pad if node in sources else " " * (pad + 1))
            lines[r] += cell
        if gap:
            for r, piece in enumerate(_connector(gap, row, height)):
                lines[r] += piece
    return [line.rstrip() for line in lines]


def _layers(names: Sequence[str], after: Mapping[str, Sequence[str]]) -> dict[str, int] | None:
    """Each task's layer: one after the deepest task it runs after (None for a cycle)."""
    layer: dict[str, int] = {}
    for _ in range(len(names) + 1):
        changed = False
        for name in names:
            depth = max((layer[p] + 1 for p in after[name] if p in layer), default=0)
            if all(p in layer for p in after[name]) and layer.get(name) != depth:
                layer[name], changed = depth, True
        if not changed and len(layer) == len(names):
            return layer
    return None


def _rows(columns: list[list[str]], links: Sequence[tuple[str, str]]) -> dict[str, int] | None:
    """Rows for every point, layer by layer: each group of connected links between two layers
    gets rows of its own, its targets starting level with its first source."""
    row = {name: number for number, name in enumerate(columns[0])}
    for k in range(1, len(columns)):
        gap = [(s, t) for s, t in links if t in columns[k]]
        groups = _groups(gap)
        groups.sort(key=lambda group: min(row[s] for s in group[0]))
        free = 0
        spans: list[tuple[int, int]] = []
        for group_sources, group_targets in groups:
            if any((s, t) not in gap for s in group_sources for t in group_targets):
                return None  # partial links: one bus would show links that are not there
            ordered = sorted(group_targets, key=columns[k].index)
            start = max(min(row[s] for s in group_sources), free)
            for offset, target in enumerate(ordered):
                row[target] = start + offset
            free = start + len(ordered)
            used = [row[n] for n in (*group_sources, *ordered)]
            spans.append((min(used), max(used)))
        spans.sort()
        if any(low <= high_before for (_, high_before), (low, _) in pairwise(spans)):
            return None  # two buses would run over each other
    return row


def _groups(gap: Sequence[tuple[str, str]]) -> list[tuple[list[str], list[str]]]:
    """The links between two layers as connected groups: (sources, targets), in link order."""
    owner: dict[str, int] = {}
    groups: list[tuple[list[str], list[str]]] = []
    for source, target in gap:
        found = {owner[n] for n in (source, "\1" + target) if n in owner}
        if not found:
            groups.append(([], []))
            number = len(groups) - 1
        else:
            number = min(found)
            for other in sorted(found - {number}, reverse=True):
                groups[number][0].extend(groups[other][0])
                groups[number][1].extend(groups[other][1])
                for key, value in owner.items():
                    if value == other:
                        owner[key] = number
                groups[other] = ([], [])
        if source not in groups[number][0]:
            groups[number][0].append(source)
        if target not in groups[number][1]:
            groups[number][1].append(target)
        owner[source] = owner["\1" + target] = number
    return [group for group in groups if group[0]]


def _connector(gap: Sequence[tuple[str, str]], row: Mapping[str, int], height: int) -> list[str]:
    """The five columns between two layers, one string per row: ``─┬─> `` and the like."""
    pieces = ["     "] * height
    for sources, targets in _groups(gap):
        source_rows = {row[s] for s in sources}
        target_rows = {row[t]: t for t in targets}
        top, bottom = min(*source_rows, *target_rows), max(*source_rows, *target_rows)
        for r in range(top, bottom + 1):
            left, right = r in source_rows, r in target_rows
            bus = _JOINS[(left, right, r > top, r < bottom)]
            arrow = ("───" if target_rows[r].startswith("\0") else "─> ") if right else "   "
            pieces[r] = ("─" if left else " ") + bus + arrow
    return [piece.ljust(5) for piece in pieces]
