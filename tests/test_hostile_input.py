"""Hostile text in every free-text field: the DAG still parses and says exactly what was typed.

Hypothesis throws quotes, backslashes, newlines, braces, Jinja and Python
syntax, and non-ASCII at the fields a user types freely. Each rendered file
must parse, and each literal in it must equal the input: nothing is
evaluated by Jinja (cookiecutter) or Python on the way.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from createdag.answers import resolve
from createdag.settings import Settings
from createdag.render import render_dag

# Text as a user could type or paste it: any Unicode except lone surrogates
# (which cannot be written to a UTF-8 file; the validators refuse them).
free_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
nasty = st.sampled_from(
    ['"""', "'''", "\\", "\\n", "{{ 7 * 7 }}", "{% raw %}", "{#", "}}", "\n", "\r\n", "\t", "\x00",
     "'); import os; os.system('x') #", "${HOME}", "`id`", "é✓漢字🙂", "\u2028", "{cookiecutter.dag_id}"]
)  # fmt: skip
hostile = st.one_of(free_text, st.lists(st.one_of(nasty, free_text), max_size=5).map("".join))


def keywords(source: str) -> dict[str, Any]:
    """Every keyword argument literal in the file (dict keys too), evaluated safely."""
    found: dict[str, Any] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg:
                    try:
                        found.setdefault(kw.arg, ast.literal_eval(kw.value))
                    except ValueError:
                        pass
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                try:
                    found.setdefault(ast.literal_eval(key), ast.literal_eval(value))
                except ValueError:
                    pass
    return found


def jinja_parses(text: str) -> bool:
    import jinja2

    try:
        jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError:
        return False
    return True


def render(**answers: Any) -> str:
    base = {"dag_id": "hostile", "image": "busybox:1.36", "start_date": "2026-01-01"}
    resolved, _ = resolve({**base, **answers}, Settings(output_dir=Path("/nonexistent/dags")))
    return render_dag(resolved)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(description=hostile, owner=hostile.filter(lambda s: s.strip()))
@example(description='{{ cookiecutter.dag_id }} """ \\ \n', owner="O'Brien \"ops\"")
def test_description_and_owner_round_trip(description: str, owner: str) -> None:
    found = keywords(render(description=description, owner=owner))
    assert found["description"] == (description or None)
    assert found["owner"] == owner.strip()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tags=st.lists(hostile.filter(lambda s: s.strip() and len(s.strip()) <= 100), max_size=4),
    cmds=st.lists(hostile, max_size=4),
    arguments=st.lists(hostile, max_size=4),
)
@example(tags=["{{x}}"], cmds=["sh", "-c"], arguments=["echo '{{ ds }}' \\\n \"$X\""])
def test_lists_round_trip(tags: list[str], cmds: list[str], arguments: list[str]) -> None:
    from createdag.errors import InvalidAnswers

    if not all(jinja_parses(item) for item in cmds + arguments):
        # Airflow would fail the task on it at run time: refused now, with the reason
        with pytest.raises(InvalidAnswers, match="not a valid Airflow template"):
            render(tags=tags, cmds=cmds, arguments=arguments)
        return
    found = keywords(render(tags=tags, cmds=cmds, arguments=arguments))
    assert found["tags"] == [t.strip() for t in tags]
    assert found["cmds"] == cmds
    assert found["arguments"] == arguments


@settings(max_examples=30, deadline=None)
@given(image=hostile.filter(lambda s: s.strip() and not any(c.isspace() for c in s)))
def test_image_round_trips(image: str) -> None:
    assert keywords(render(image=image))["image"] == image.strip()


def test_lone_surrogate_is_refused_not_written() -> None:
    from createdag.errors import InvalidAnswers

    with pytest.raises(InvalidAnswers, match="not valid Unicode"):
        render(description="bad \ud800 text")
