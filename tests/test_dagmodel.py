"""The one model of a DAG file: the view readers see is what Python sees while the file runs.

Each case is a value as written and the value the view holds, or the case where the view keeps
what is written because Python would compute it (``range``, a call, an ``if``).
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from createdag import dagmodel


def viewed(source: str, name: str = "value") -> str:
    """The view of ``target(value=...)``'s argument, as source."""
    tree = ast.parse(textwrap.dedent(source))
    view = dagmodel.DagFile.parse(tree).view
    for node in ast.walk(view):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "target":
            return ast.unparse(next(kw.value for kw in node.keywords if kw.arg == name))
    raise AssertionError("no target(...) call")


@pytest.mark.parametrize(("source", "expected"), [
    ('NAMES = ["a", "b"]\ntarget(value=[f"echo {x}" for x in NAMES])', "['echo a', 'echo b']"),
    ('target(value=[[f"--day={d}"] for d in ("mon", "tue")])', "[['--day=mon'], ['--day=tue']]"),
    ('R = ("eu",)\ntarget(value=[{"REGION": r, "T": "t_" + r} for r in R])', "[{'REGION': 'eu', 'T': 't_eu'}]"),
    ('target(value=[[x for x in ("in",)] for x in ("out",)])', "[['in']]"),  # the inner x is its own
])  # fmt: skip
def test_a_comprehension_over_values_written_out_is_the_list_python_makes(source: str, expected: str) -> None:
    assert viewed(source) == expected


@pytest.mark.parametrize("value", [
    "[str(n) for n in range(3)]",  # range: a call
    '[x for x in ["a", "b"] if x]',  # a condition
    "[x for x in load()]",  # a call
    "[(x, y) for x in [1] for y in [2]]",  # two loops
    "[x for x in NAMES]",  # NAMES bound twice below
])  # fmt: skip
def test_any_other_comprehension_stays_as_written(value: str) -> None:
    source = f'NAMES = ["a"]\nNAMES = ["b"]\ntarget(value={value})'
    assert viewed(source) == ast.unparse(ast.parse(value, mode="eval").body)


def test_a_module_without_docstring_has_none_for_doc() -> None:
    assert viewed("target(value=__doc__)") == "None"
    assert viewed('"""Exports."""\ntarget(value=__doc__)') == "'Exports.'"


def test_names_bound_once_in_a_dag_function_are_read_where_its_tasks_use_them() -> None:
    source = """\
        from airflow.sdk import dag

        @dag(schedule=None)
        def exports():
            cmd = f"python run.py --day {'{{ ds }}'}"
            target(value=[cmd + " --full"])
        """
    assert viewed(source) == "['python run.py --day {{ ds }} --full']"


def test_names_in_a_partial_call_are_read() -> None:
    source = (
        'IMAGE = "busybox:1.36"\n'
        'KubernetesPodOperator.partial(task_id="t", image=IMAGE).expand(target(value=IMAGE))'
    )
    assert viewed(source) == "'busybox:1.36'"
    tree = dagmodel.DagFile.parse(ast.parse(source)).view
    partial = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "partial")
    assert ast.unparse(partial) == "KubernetesPodOperator.partial(task_id='t', image='busybox:1.36')"


@pytest.mark.parametrize(("value", "expected"), [
    ('IMAGES["job"]', "'busybox:1.36'"),
    ('PARTS[-1]', "'b'"),
    ('{"a": 1, "a": 2}["a"]', "2"),  # a key given twice: the last, as Python reads it
    ('"  echo hi\\n ".strip()', "'echo hi'"),
    ('f"""\\n ping {HOST}\\n""".strip()', "'ping db'"),
    ('" ".join(["--format", "csv"])', "'--format csv'"),
    ('"a,b".split(",")', "['a', 'b']"),
    ('"x-y".replace("-", "_").upper()', "'X_Y'"),
])  # fmt: skip
def test_lookups_and_string_methods_of_constants_are_the_value_python_makes(value: str, expected: str) -> None:
    source = f'IMAGES = {{"job": "busybox:1.36"}}\nPARTS = ["a", "b"]\nHOST = "db"\ntarget(value={value})'
    assert viewed(source) == expected


@pytest.mark.parametrize("value", [
    'IMAGES["other"]',  # no such key: Python would fail, the reader says it is not read
    "PARTS[5]",
    'IMAGES[KEY]',  # KEY is no constant
    '"x".format(1)',  # not a method folded
    '"abc".replace("b", "' + "y" * 2000 + '")' + '.replace("y", "' + "z" * 2000 + '")',  # too long to make
    '"a".strip(load())',
])  # fmt: skip
def test_other_lookups_and_calls_stay_as_written(value: str) -> None:
    source = f'IMAGES = {{"job": "busybox:1.36"}}\nPARTS = ["a", "b"]\ntarget(value={value})'
    assert "target" not in viewed(source) and viewed(source) != "None"
    assert viewed(source).count("(") + viewed(source).count("[") >= 1  # still a call or a lookup


def test_a_dag_decorators_arguments_read_names() -> None:
    tree = ast.parse(textwrap.dedent("""\
        from airflow.sdk import dag
        DEFAULTS = {"owner": "x"}

        @dag(dag_id="d", default_args=DEFAULTS)
        def d():
            pass
        """))
    (call,) = [dag.call for dag in dagmodel.DagFile.parse(tree).dags]
    assert ast.unparse(call) == "dag(dag_id='d', default_args={'owner': 'x'})"
