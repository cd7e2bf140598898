"""DAGs of several pod tasks: the spec, its checks from every source, the file, and Airflow's view."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import BASE_ANSWERS, REPO, load_dagbag

PIPELINE: dict[str, Any] = {
    "dag_id": "sales_pipeline",
    "owner": "data-team",
    "start_date": "2026-01-01",
    "image": "ghcr.io/acme/sales:1.2.0",
    "namespace": "etl",
    "tasks": [
        {"task_id": "extract", "cmds": ["python", "-m", "extract"], "env_vars": {"SOURCE": "pos"},
         "secrets": [{"env": "DB_PASSWORD", "secret": "sales-db", "key": "password"}]},
        {"task_id": "clean", "after": ["extract"], "cpu_request": "250m", "memory_limit": "1Gi"},
        {"task_id": "enrich", "after": ["extract"], "image": "ghcr.io/acme/enrich:0.9.1", "shards": 3,
         "env_vars": {"REGION": "eu"}},
        {"task_id": "load", "after": ["clean", "enrich"], "namespace": "warehouse", "image_pull_secrets": []},
    ],
}  # fmt: skip


def resolve(raw: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    from createdag.answers import resolve as resolve_answers
    from createdag.settings import Settings

    answers, _ = resolve_answers(raw, Settings(output_dir=tmp_path))
    return answers


def problems(raw: dict[str, Any], tmp_path: Path) -> list[str]:
    from createdag.errors import InvalidAnswers

    with pytest.raises(InvalidAnswers) as caught:
        resolve(raw, tmp_path)
    return [f"{p.key}: {p.reason}" for p in caught.value.problems]


def render(raw: dict[str, Any], tmp_path: Path) -> str:
    from createdag.render import render_dag

    return render_dag(resolve(raw, tmp_path))


# --- the spec ------------------------------------------------------------------------------


def test_task_answers_beside_tasks_are_every_tasks_default(tmp_path: Path) -> None:
    tasks = resolve(PIPELINE, tmp_path)["tasks"]
    assert [t["task_id"] for t in tasks] == ["extract", "clean", "enrich", "load"]
    assert [t["image"] for t in tasks] == ["ghcr.io/acme/sales:1.2.0", "ghcr.io/acme/sales:1.2.0",
                                           "ghcr.io/acme/enrich:0.9.1", "ghcr.io/acme/sales:1.2.0"]  # fmt: skip
    assert [t["namespace"] for t in tasks] == ["etl", "etl", "etl", "warehouse"]
    assert [t["image_pull_secrets"] for t in tasks] == [["regcred"]] * 3 + [[]]
    assert [t["after"] for t in tasks] == [[], ["extract"], ["extract"], ["clean", "enrich"]]


def test_flat_answers_are_a_dag_of_one_task(tmp_path: Path) -> None:
    answers = resolve({**BASE_ANSWERS, "task_id": "sync", "shards": 2}, tmp_path)
    assert [t["task_id"] for t in answers["tasks"]] == ["sync"]
    assert answers["tasks"][0]["shards"] == 2 and answers["tasks"][0]["after"] == []
    assert "task_id" not in answers and "image" not in answers  # the DAG holds only its own answers


def test_team_defaults_apply_to_every_task_unless_it_gives_its_own(tmp_path: Path) -> None:
    from createdag.answers import resolve as resolve_answers
    from createdag.config import load_team_config
    from createdag.settings import Settings

    (tmp_path / ".create_dag.toml").write_text('namespace = "team-ns"\ncpu_request = "100m"\n')
    team = load_team_config(tmp_path)
    raw = {key: value for key, value in PIPELINE.items() if key != "namespace"}
    answers, _ = resolve_answers(raw, Settings(output_dir=tmp_path, team=team))
    tasks = answers["tasks"]
    assert [t["namespace"] for t in tasks] == ["team-ns", "team-ns", "team-ns", "warehouse"]
    assert [t["cpu_request"] for t in tasks] == ["100m", "250m", "100m", "100m"]


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        ([], "tasks: a DAG needs at least one task"),
        ([{"task_id": "a"}, {"task_id": "a"}], "tasks[1].task_id: 'a' is the id of an earlier task of this DAG"),
        ([{"task_id": "bad id"}], "tasks[0].task_id: 'bad id' has ' '"),
        ([{"task_id": "extract"}, {"task_id": "load", "after": ["extarct"]}],
         "load.after: no task 'extarct' to run after: did you mean 'extract'?"),
        ([{"task_id": "a", "after": ["b"]}, {"task_id": "b", "after": ["a"]}],
         "a.after: the tasks run after each other in a circle: a -> b -> a"),
        ([{"task_id": "a", "after": ["c"]}, {"task_id": "b", "after": ["a"]}, {"task_id": "c", "after": ["b"]}],
         "the tasks run after each other in a circle: a -> c -> b -> a"),
        ([{"task_id": "a", "after": ["a"]}], "a.after: task 'a' cannot run after itself"),
        ([{"task_id": "a", "dag_id": "x"}], "tasks[0].dag_id: dag_id is an answer of the DAG"),
        ([{"task_id": "a", "imgae": "x"}], "tasks[0].imgae: unknown key"),
        (["a"], "tasks[0]: is not a mapping"),
        ([{"task_id": "wait_for_upstream"}], "is the task that waits for an upstream DAG"),
    ],
)  # fmt: skip
def test_a_broken_task_graph_is_refused_with_the_fix(tasks: list[Any], expected: str, tmp_path: Path) -> None:
    raw = {**{k: v for k, v in PIPELINE.items() if k != "tasks"}, "tasks": tasks}
    found = problems(raw, tmp_path)
    assert any(expected in line for line in found), found


def test_a_broken_graph_from_the_cli_writes_nothing(tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({**PIPELINE, "tasks": [{"task_id": "a", "after": ["b"]},
                                                         {"task_id": "b", "after": ["a"]}]}))  # fmt: skip
    result = subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), "--answers", str(answers), "-o", str(tmp_path / "dags")],
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 1
    assert "a -> b -> a" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "dags").exists()


def test_team_rules_apply_to_every_task(tmp_path: Path) -> None:
    from createdag.answers import resolve as resolve_answers
    from createdag.config import load_team_config
    from createdag.errors import InvalidAnswers
    from createdag.settings import Settings

    (tmp_path / ".create_dag.toml").write_text('image_registry = "ghcr.io/acme/"\n')
    raw = {**PIPELINE, "tasks": [*PIPELINE["tasks"][:3], {**PIPELINE["tasks"][3], "image": "docker.io/evil:1"}]}
    with pytest.raises(InvalidAnswers) as caught:
        resolve_answers(raw, Settings(output_dir=tmp_path, team=load_team_config(tmp_path)))
    assert [p.key for p in caught.value.problems] == ["tasks[3].image"]
    assert "not from this repo's registry" in caught.value.problems[0].reason


# --- --set ---------------------------------------------------------------------------------


def test_set_addresses_one_task_or_every_task(tmp_path: Path) -> None:
    from createdag.pipeline import apply_sets

    one = resolve(apply_sets(PIPELINE, {"load.image": "ghcr.io/acme/load:2.0"}), tmp_path)["tasks"]
    assert [t["image"] for t in one][3] == "ghcr.io/acme/load:2.0"
    assert [t["image"] for t in one][:3] == [t["image"] for t in resolve(PIPELINE, tmp_path)["tasks"]][:3]
    every = resolve(apply_sets(PIPELINE, {"image": "ghcr.io/acme/all:3.0"}), tmp_path)["tasks"]
    assert {t["image"] for t in every} == {"ghcr.io/acme/all:3.0"}
    dotted = {**PIPELINE, "tasks": [{"task_id": "load.v2"}]}
    assert resolve(apply_sets(dotted, {"load.v2.shards": "2"}), tmp_path)["tasks"][0]["shards"] == 2
    flat = apply_sets(BASE_ANSWERS, {"main.image": "ghcr.io/acme/x:1"})
    assert resolve(flat, tmp_path)["tasks"][0]["image"] == "ghcr.io/acme/x:1"


@pytest.mark.parametrize(
    ("sets", "expected"),
    [
        ({"lod.image": "x:1"}, "this DAG has no task 'lod': did you mean 'load'?"),
        ({"load.dag_id": "x"}, "dag_id is an answer of the DAG, not of a task"),
        ({"tasks": "[]"}, "tasks are given in an answers file"),
    ],
)
def test_set_naming_what_is_not_there_is_refused(sets: dict[str, str], expected: str) -> None:
    from createdag.errors import InvalidAnswers
    from createdag.pipeline import apply_sets

    with pytest.raises(InvalidAnswers) as caught:
        apply_sets(PIPELINE, sets)
    assert expected in caught.value.problems[0].reason


# --- the file ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tasks", "line"),
    [
        ([("a", []), ("b", ["a"]), ("c", ["b"])], "a >> b >> c"),
        ([("extract", []), ("x", ["extract"]), ("y", ["extract"]), ("load", ["x", "y"])],
         "extract >> [x, y] >> load"),
        ([("a", []), ("b", []), ("c", ["a", "b"]), ("d", ["a", "b"])], "a >> [c, d]; b >> [c, d]"),
        ([("a", []), ("b", []), ("c", ["a", "b"])], "[a, b] >> c"),
        ([("a", []), ("b", ["a"]), ("c", ["a", "b"])], "a >> b; [a, b] >> c"),
        ([("a", []), ("b", [])], "a; b"),
    ],
)  # fmt: skip
def test_dependencies_are_written_as_short_chains(tasks: list[tuple[str, list[str]]], line: str) -> None:
    from createdag.pipeline import graph_line

    answers = {"tasks": [{"task_id": task_id, "after": after, "shards": 1} for task_id, after in tasks]}
    assert graph_line(answers) == line


def test_pipeline_file_has_a_variable_per_task_and_the_dependencies(tmp_path: Path) -> None:
    source = render(PIPELINE, tmp_path)
    for task_id in ("extract", "clean", "enrich", "load"):
        assert f"    {task_id} = KubernetesPodOperator" in source
    assert "    extract >> [clean, enrich] >> load\n" in source
    assert 'env_vars={"SOURCE": "pos"}' in source
    assert '{"REGION": "eu", "SHARD": str(shard), "SHARDS": "3"}' in source
    assert source.startswith('"""A DAG that runs 4 containers on Kubernetes, one pod task each.')


def test_task_ids_that_are_no_python_names_get_a_variable_marked_for_ruff(tmp_path: Path) -> None:
    raw = {**PIPELINE, "tasks": [{"task_id": "extract-orders"}, {"task_id": "class", "after": ["extract-orders"]},
                                 {"task_id": "2nd.step", "after": ["class"]}]}  # fmt: skip
    source = render(raw, tmp_path)
    assert "\n# ruff: noqa: AIR001 - a task_id that is no Python name has a variable spelled like it\n" in source
    assert '    extract_orders = KubernetesPodOperator(\n        task_id="extract-orders",' in source
    assert "extract_orders >> task_class >> task_2nd_step" in source


def ruff(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,W,F,AIR", "--preview",
         "--line-length", "120", str(path)],
        capture_output=True, text=True,
    )  # fmt: skip


@pytest.mark.parametrize("with_sensor", [False, True])
def test_pipelines_pass_ruff_with_the_air_rules(tmp_path: Path, with_sensor: bool) -> None:
    raw = {**PIPELINE, "tasks": [*PIPELINE["tasks"], {"task_id": "run-pod", "after": ["load"]},
                                 {"task_id": "alone", "shards": 2}]}  # fmt: skip
    if with_sensor:
        raw["external_dag_id"] = "upstream_dag"
    path = tmp_path / "dag.py"
    path.write_text(render(raw, tmp_path))
    result = ruff(path)
    assert result.returncode == 0, result.stdout


# --- Airflow's view ----------------------------------------------------------------------------


@pytest.mark.airflow
@pytest.mark.parametrize("with_sensor", [False, True])
def test_airflow_sees_every_task_and_dependency(tmp_path: Path, with_sensor: bool) -> None:
    from helpers import write_dag

    raw = {**PIPELINE, "tasks": [*PIPELINE["tasks"], {"task_id": "alone", "image": "busybox:1.36"}]}
    if with_sensor:
        raw["external_dag_id"] = "upstream_dag"
    write_dag(tmp_path, **raw)
    bag = load_dagbag(tmp_path)
    assert bag.import_errors == {}
    dag = bag.dags["sales_pipeline"]
    upstream = {task.task_id: sorted(task.upstream_task_ids) for task in dag.tasks}
    roots = ["wait_for_upstream"] if with_sensor else []
    expected = {"extract": roots, "clean": ["extract"], "enrich": ["extract"], "load": ["clean", "enrich"],
                "alone": roots}  # fmt: skip
    if with_sensor:
        expected["wait_for_upstream"] = []
    assert upstream == expected
    assert dag.get_task("enrich").partial_kwargs["image"] == "ghcr.io/acme/enrich:0.9.1"
    assert dag.get_task("load").namespace == "warehouse"
    env = dag.get_task("extract").env_vars
    assert env == {"SOURCE": "pos"} or [(e.name, e.value) for e in env] == [("SOURCE", "pos")]
    assert dag.owner == "data-team"


def test_labels_beside_tasks_add_to_a_tasks_own(tmp_path: Path) -> None:
    raw = {**PIPELINE, "labels": {"team": "sales", "tier": "batch"},
           "tasks": [{"task_id": "a", "labels": {"tier": "critical", "step": "a"}}, {"task_id": "b"}]}  # fmt: skip
    tasks = resolve(raw, tmp_path)["tasks"]
    assert tasks[0]["labels"] == {"team": "sales", "tier": "critical", "step": "a"}  # the task's value wins
    assert tasks[1]["labels"] == {"team": "sales", "tier": "batch"}
