"""Reading a DAG's pod tasks and dependencies from source (``pipeline_source``), as ``adopt`` does.

Source text in, answers in the ``tasks:`` shape out; whatever cannot be read
is refused with its line, never dropped. Nothing here imports a DAG file.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import write_dag

from createdag.dagsource import parse_text
from createdag.pipeline_source import POD_OPTION_DEFAULTS, Pipeline, read_pipeline

HEAD = """\
\"\"\"A pipeline written by hand.\"\"\"

import datetime

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.secret import Secret
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG, chain, cross_downstream
from kubernetes.client import models as k8s

with DAG(dag_id="pipeline", schedule="@daily") as dag:
"""
HEAD_LINES = HEAD.count("\n")  # the body's first line is HEAD_LINES + 1


def pod(task_id: str, **extra: str) -> str:
    """A pod task assigned to a variable of its task id, one line."""
    args = "".join(f", {key}={value}" for key, value in extra.items())
    return f'{task_id} = KubernetesPodOperator(task_id="{task_id}", image="ghcr.io/acme/{task_id}:1.0"{args})'


def read(body: str, head: str = HEAD) -> Pipeline:
    """The pipeline of ``head`` + ``body`` (indented under the with block)."""
    body = textwrap.dedent(body).lstrip("\n")
    return read_pipeline(parse_text(head + textwrap.indent(body, "    "), Path("dag.py")))


def after(pipeline: Pipeline) -> dict[str, list[str]]:
    assert pipeline.refused == [], [str(item) for item in pipeline.refused]
    return {task["task_id"]: task["after"] for task in pipeline.tasks}


def refused(pipeline: Pipeline) -> list[str]:
    return [str(item) for item in pipeline.refused]


def line(n: int, head: str = HEAD) -> str:
    """``line N: `` for the n-th line of the body under ``head``."""
    return f"line {head.count(chr(10)) + n}: "


PODS = "\n".join(pod(name) for name in ("a", "b", "c", "d", "e")) + "\n"


# --- tasks ----------------------------------------------------------------------------------


def test_every_pod_task_and_its_answers() -> None:
    pipeline = read(
        """
        extract = KubernetesPodOperator(
            task_id="extract",
            name="etl-extract",
            namespace="etl",
            image="ghcr.io/acme/etl:1.2",
            cmds=["python", "-m", "etl"],
            arguments=["--day", "{{ ds }}"],
            env_vars={"MODE": "full"},
            secrets=[Secret(deploy_type="env", deploy_target="DB_PASSWORD", secret="db", key="password")],
            image_pull_secrets=[k8s.V1LocalObjectReference(name="regcred")],
            get_logs=True,
            on_finish_action="delete_pod",
        )
        load = KubernetesPodOperator(task_id="load", namespace="etl", image="ghcr.io/acme/etl:1.2",
                                     image_pull_secrets=[k8s.V1LocalObjectReference(name="regcred")])
        extract >> load
        """
    )
    assert pipeline.refused == []
    # only what the file writes: what both tasks give at the DAG level, what one gives its own
    assert pipeline.answers() == {
        "namespace": "etl",
        "image_pull_secrets": ["regcred"],
        "tasks": [
            {"task_id": "extract", "image": "ghcr.io/acme/etl:1.2", "cmds": ["python", "-m", "etl"],
             "arguments": ["--day", "{{ ds }}"], "env_vars": {"MODE": "full"},
             "secrets": [{"env": "DB_PASSWORD", "secret": "db", "key": "password"}],
             "get_logs": True, "on_finish_action": "delete_pod", "after": []},
            {"task_id": "load", "image": "ghcr.io/acme/etl:1.2", "after": ["extract"]},
        ],
    }  # fmt: skip


def test_positional_forms_of_secrets_pull_secrets_and_env_vars() -> None:
    pipeline = read(
        """
        a = KubernetesPodOperator(
            task_id="a",
            image="busybox:1.36",
            secrets=[Secret("env", "TOKEN", "api", "token"), Secret("env", "PW", "db", "pw")],
            image_pull_secrets=[k8s.V1LocalObjectReference("regcred"), k8s.V1LocalObjectReference("other")],
            env_vars=[k8s.V1EnvVar(name="MODE", value="full"), k8s.V1EnvVar("DAY", "{{ ds }}")],
        )
        """
    )
    assert pipeline.refused == []
    (task,) = pipeline.tasks
    assert task["secrets"] == [{"env": "TOKEN", "secret": "api", "key": "token"},
                               {"env": "PW", "secret": "db", "key": "pw"}]  # fmt: skip
    assert task["env_vars"] == {"MODE": "full", "DAY": "{{ ds }}"}
    assert pipeline.defaults["image_pull_secrets"] == ["regcred", "other"]


def test_dag_level_defaults_are_what_most_tasks_say_and_the_others_override() -> None:
    resources = 'k8s.V1ResourceRequirements(requests={"cpu": "500m", "memory": "1Gi"}, limits={"memory": "2Gi"})'
    pipeline = read(
        f"""
        {pod("a", namespace='"etl"', container_resources=resources)}
        {pod("b", namespace='"etl"', container_resources=resources)}
        {pod("c", namespace='"ml"', image_pull_secrets='[k8s.V1LocalObjectReference(name="regcred")]')}
        """
    )
    assert pipeline.refused == []
    # the namespace every task gives: the DAG's, c's its own; resources and pull secrets only
    # some tasks write: theirs, nothing recorded for the others
    assert pipeline.defaults == {"namespace": "etl"}
    a, b, c = pipeline.tasks
    resources = {"cpu_request": "500m", "memory_request": "1Gi", "cpu_limit": "", "memory_limit": "2Gi"}
    assert a == {"task_id": "a", "image": "ghcr.io/acme/a:1.0", **resources, "after": []}
    assert b == {**a, "task_id": "b", "image": "ghcr.io/acme/b:1.0"}
    assert c == {"task_id": "c", "image": "ghcr.io/acme/c:1.0", "namespace": "ml", "image_pull_secrets": ["regcred"],
                 "after": []}  # fmt: skip


def test_no_namespace_anywhere_is_left_to_the_dag_level_answer() -> None:
    pipeline = read(PODS)
    assert pipeline.refused == [] and "namespace" not in pipeline.defaults
    assert all("namespace" not in task for task in pipeline.tasks)


def test_shards_from_partial_expand() -> None:
    pipeline = read(
        """
        shard = KubernetesPodOperator.partial(
            task_id="shard",
            namespace="etl",
            image="ghcr.io/acme/etl:1.2",
            cmds=["python", "-m", "etl"],
        ).expand(env_vars=[{"SHARD": str(shard), "SHARDS": "4", "MODE": "full"} for shard in range(4)])
        done = KubernetesPodOperator(task_id="done", namespace="etl", image="ghcr.io/acme/etl:1.2")
        shard >> done
        """
    )
    shard, done = pipeline.tasks
    assert after(pipeline) == {"shard": [], "done": ["shard"]}
    assert shard["shards"] == 4 and shard["env_vars"] == {"MODE": "full"} and shard["cmds"] == ["python", "-m", "etl"]
    assert "shards" not in done  # one pod: nothing the file writes


@pytest.mark.parametrize(
    "expand",
    [
        'expand(env_vars=[{"SHARD": str(s), "SHARDS": "3"} for s in range(4)])',  # SHARDS is not N
        'expand(env_vars=[{"SHARD": str(s), "SHARDS": "1"} for s in range(1)])',  # one shard: no mapping
        'expand(env_vars=[{"SHARD": str(s), "SHARDS": "2"} for s in range(2) if s])',
        'expand(env_vars=[{"SHARD": s, "SHARDS": "2"} for s in range(2)])',
        'expand(env_vars=[{"SHARDS": "2"} for s in range(2)])',
        'expand(env_vars=[{"SHARD": str(s), "SHARDS": "2", "X": X} for s in range(2)])',
        'expand(arguments=[["--day", str(day)] for day in range(2)])',
    ],
)
def test_a_mapping_computed_while_the_file_is_parsed_is_refused(expand: str) -> None:
    """Not the template's parallel pods, and not values written out: nothing a record can hold."""
    pipeline = read(f'a = KubernetesPodOperator.partial(task_id="a", image="busybox:1.36").{expand}\n')
    assert pipeline.tasks == []
    (message,) = refused(pipeline)
    assert message.startswith(line(1)) and 'KubernetesPodOperator(task_id="a").expand(...) argument ' in message
    assert "is not read" in message and "computed when the file is parsed" in message


def test_any_argument_mapped_over_values_written_out_is_kept_as_written() -> None:
    pipeline = read(
        'a = KubernetesPodOperator.partial(task_id="a", image="busybox:1.36", cmds=["sh"])'
        '.expand(arguments=[["--day", "1"], ["--day", "2"]], labels=[{"d": "1"}, {"d": "2"}])\n'
        'b = KubernetesPodOperator.partial(task_id="b", image="busybox:1.36").expand_kwargs([{"env_vars": {"A": "1"}}])\n'
        'c = KubernetesPodOperator.partial(task_id="c", image="busybox:1.36").expand(\n'
        '    env_vars=[{"SHARD": str(s), "SHARDS": "2"} for s in range(2)], arguments=[["x"], ["y"]])\n'
    )
    assert refused(pipeline) == []
    assert pipeline.expand == {"a": {"arguments": '[["--day", "1"], ["--day", "2"]]', "labels": '[{"d": "1"}, {"d": "2"}]'},
                               "c": {"arguments": '[["x"], ["y"]]'}}  # fmt: skip
    assert pipeline.expand_kwargs == {"b": '[{"env_vars": {"A": "1"}}]'}
    assert pipeline.partial == {"a": ["image", "cmds"], "b": ["image"], "c": ["image"]}
    shards = {task["task_id"]: task.get("shards", 1) for task in pipeline.tasks}
    assert shards == {"a": 1, "b": 1, "c": 2}  # the template's parallel pods, and arguments mapped beside them


def test_partial_without_expand_is_refused() -> None:
    pipeline = read('a = KubernetesPodOperator.partial(task_id="a", image="busybox:1.36")\n')
    assert refused(pipeline) == [line(1) + 'KubernetesPodOperator(task_id="a") is .partial(...) without '
                                 ".expand(...): no task create_dag can write"]  # fmt: skip


# --- dependencies ---------------------------------------------------------------------------


def test_fan_out_and_fan_in_with_lists_on_either_side() -> None:
    assert after(read(PODS + "a >> [b, c] >> d\n[d, c] >> e\n")) == {
        "a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": ["c", "d"],  # in file order, not written order
    }  # fmt: skip


def test_left_shift_and_mixed_chains() -> None:
    assert after(read(PODS + "e << d << [b, c]\nb << a\n")) == {
        "a": [], "b": ["a"], "c": [], "d": ["b", "c"], "e": ["d"],
    }  # fmt: skip
    assert after(read(PODS + "a >> b << c\n[d, e] << a\n")) == {
        "a": [], "b": ["a", "c"], "c": [], "d": ["a"], "e": ["a"],
    }  # fmt: skip


def test_chain_links_adjacent_lists_of_one_length_pairwise() -> None:
    assert after(read(PODS + "chain(a, [b, c], [d, e])\n")) == {
        "a": [], "b": ["a"], "c": ["a"], "d": ["b"], "e": ["c"],
    }  # fmt: skip
    assert after(read(PODS + "chain(a, b, [c, d], e)\n")) == {
        "a": [], "b": ["a"], "c": ["b"], "d": ["b"], "e": ["c", "d"],
    }  # fmt: skip


def test_chain_from_airflow_models_baseoperator_and_a_module_alias() -> None:
    head = HEAD.replace("from airflow.sdk import DAG, chain, cross_downstream",
                        "from airflow.models.baseoperator import chain as link\nfrom airflow import sdk\n"
                        "from airflow.sdk import DAG")  # fmt: skip
    pipeline = read(PODS + "link(a, b)\nsdk.chain(b, c)\nsdk.cross_downstream([c], [d, e])\n", head)
    assert after(pipeline) == {"a": [], "b": ["a"], "c": ["b"], "d": ["c"], "e": ["c"]}


def test_a_chain_that_is_not_airflows_is_not_read() -> None:
    head = HEAD.replace("from airflow.sdk import DAG, chain, cross_downstream",
                        "from itertools import chain\nfrom airflow.sdk import DAG")  # fmt: skip
    pipeline = read(PODS + "chain(a, b)\n", head)
    message = "`chain(a, b)` is not read: create_dag reads tasks, their dependencies and literals in a DAG"
    assert refused(pipeline) == [line(6, head) + message]


def test_cross_downstream_links_every_pair() -> None:
    assert after(read(PODS + "cross_downstream([a, b], [c, d])\ncross_downstream(from_tasks=[d], to_tasks=e)\n")) == {
        "a": [], "b": [], "c": ["a", "b"], "d": ["a", "b"], "e": ["d"],
    }  # fmt: skip


def test_set_upstream_and_set_downstream() -> None:
    assert after(read(PODS + "b.set_upstream(a)\na.set_downstream([c, d])\ne.set_upstream([b, d])\n")) == {
        "a": [], "b": ["a"], "c": ["a"], "d": ["a"], "e": ["b", "d"],
    }  # fmt: skip


def test_tasks_written_inline_and_looked_up_by_id() -> None:
    pipeline = read(
        """
        KubernetesPodOperator(task_id="first", image="busybox:1.36") >> KubernetesPodOperator(
            task_id="second", image="busybox:1.36"
        )
        dag.get_task("second") >> KubernetesPodOperator(task_id="third", image="busybox:1.36")
        """
    )
    assert after(pipeline) == {"first": [], "second": ["first"], "third": ["second"]}


def test_a_variable_bound_again_names_its_new_task() -> None:
    body = (
        't = KubernetesPodOperator(task_id="x", image="i:1")\n'
        'y = KubernetesPodOperator(task_id="y", image="i:1")\n'
        "t >> y\n"
        't = KubernetesPodOperator(task_id="z", image="i:1")\n'
        "y >> t\n"
    )
    assert after(read(body)) == {"x": [], "y": ["x"], "z": ["y"]}


def test_the_same_edge_twice_is_one_after() -> None:
    assert after(read(PODS + "a >> b\nb << a\nchain(a, b)\n"))["b"] == ["a"]


def test_dag_given_with_dag_argument_at_module_level() -> None:
    source = HEAD.replace('with DAG(dag_id="pipeline", schedule="@daily") as dag:\n', "")
    source += 'pipeline = DAG(dag_id="pipeline")\n'
    source += 'a = KubernetesPodOperator(task_id="a", image="i:1", dag=pipeline)\n'
    source += 'b = KubernetesPodOperator(task_id="b", image="i:1", dag=pipeline)\n'
    source += "a >> b\n"
    source += 'lost = KubernetesPodOperator(task_id="lost", image="i:1")\n'
    pipeline = read_pipeline(parse_text(source, Path("dag.py")))
    assert {task["task_id"]: task["after"] for task in pipeline.tasks} == {"a": [], "b": ["a"]}
    assert refused(pipeline) == [f"line {HEAD_LINES + 4}: KubernetesPodOperator(task_id=\"lost\") belongs to no "
                                 "DAG: it is neither in the DAG's `with` block nor given dag="]  # fmt: skip


def test_with_a_dag_variable_and_the_dag_decorator() -> None:
    plain = HEAD.replace('with DAG(dag_id="pipeline", schedule="@daily") as dag:\n',
                         'dag = DAG(dag_id="pipeline")\nwith dag:\n')  # fmt: skip
    assert after(read(PODS + "a >> e\n", plain))["e"] == ["a"]
    decorated = HEAD.replace("from airflow.sdk import DAG", "from airflow.sdk import dag, DAG").replace(
        'with DAG(dag_id="pipeline", schedule="@daily") as dag:\n', "@dag(schedule=None)\ndef pipeline():\n"
    )
    pipeline = read(PODS + "a >> e\n", decorated)
    assert after(pipeline)["e"] == ["a"]
    assert len(pipeline.tasks) == 5


# --- the upstream sensor --------------------------------------------------------------------

SENSOR = """\
wait_for_upstream = ExternalTaskSensor(
    task_id="wait_for_upstream",
    external_dag_id="sales_daily",
    external_task_id="load",
    allowed_states=["success"],
    failed_states=["failed", "upstream_failed"],
    execution_delta=datetime.timedelta(minutes=60),
    check_existence=True,
    mode="reschedule",
    poke_interval=300,
    timeout=21600,
)
"""


def test_sensor_edges_are_the_sensor_answers_not_after() -> None:
    pipeline = read(SENSOR + PODS + "wait_for_upstream >> [a, b]\na >> c\n[b, c] >> d >> e\n")
    assert after(pipeline) == {"a": [], "b": [], "c": ["a"], "d": ["b", "c"], "e": ["d"]}
    assert pipeline.sensor == {
        "external_dag_id": "sales_daily",
        "external_task_id": "load",
        "external_delta_minutes": 60,
        "sensor_timeout_minutes": 360,
        "sensor_poke_interval_seconds": 300,
    }
    assert all(task["task_id"] != "wait_for_upstream" for task in pipeline.tasks)


def test_sensor_arguments_left_out_take_airflows_defaults() -> None:
    pipeline = read('wait_for_upstream = ExternalTaskSensor(task_id="wait_for_upstream", external_dag_id="up")\n'
                    + pod("a") + "\nwait_for_upstream >> a\n")  # fmt: skip
    assert pipeline.refused == []
    assert pipeline.sensor == {"external_dag_id": "up", "external_task_id": "", "external_delta_minutes": 0,
                               "sensor_timeout_minutes": 7 * 24 * 60, "sensor_poke_interval_seconds": 60}  # fmt: skip


def test_the_sensor_must_run_before_every_first_task_and_after_none() -> None:
    pipeline = read(SENSOR + PODS + "wait_for_upstream >> a\na >> wait_for_upstream\nb >> c\n")
    sensor_lines = SENSOR.count("\n")
    assert refused(pipeline) == [
        line(sensor_lines + 2) + 'task "b" does not run after wait_for_upstream: create_dag\'s wait for the '
        "upstream DAG runs before every first task",
        line(sensor_lines + 4) + 'task "d" does not run after wait_for_upstream: create_dag\'s wait for the '
        "upstream DAG runs before every first task",
        line(sensor_lines + 5) + 'task "e" does not run after wait_for_upstream: create_dag\'s wait for the '
        "upstream DAG runs before every first task",
        line(sensor_lines + 7) + 'wait_for_upstream runs after "a": create_dag\'s wait for the upstream DAG runs '
        "before every other task",
    ]


def test_a_sensor_with_arguments_no_answer_stands_for_is_refused() -> None:
    pipeline = read('wait_for_upstream = ExternalTaskSensor(task_id="wait_for_upstream", external_dag_id="up",\n'
                    '    execution_date_fn=lambda dt: dt, timeout=90)\n' + pod("a") + "\nwait_for_upstream >> a\n"
                    'other = ExternalTaskSensor(task_id="other", external_dag_id="up")\n')  # fmt: skip
    assert refused(pipeline) == [
        line(2) + 'ExternalTaskSensor(task_id="wait_for_upstream") argument execution_date_fn=... is not an '
        "answer create_dag knows",
        line(2) + 'ExternalTaskSensor(task_id="wait_for_upstream") argument timeout=90 is not read: '
        "create_dag reads seconds in whole minutes here",
        line(5) + 'ExternalTaskSensor(task_id="other") is not read: create_dag\'s wait for an upstream DAG is '
        'the task "wait_for_upstream"',
    ]


# --- what it cannot read --------------------------------------------------------------------


def test_what_it_cannot_read_is_listed_with_its_line() -> None:
    pipeline = read(
        """
        IMAGE = "ghcr.io/acme/etl:1.2"
        extract = KubernetesPodOperator(task_id="extract", image="ghcr.io/acme/etl:1.2", hostnetwork=True)
        load = KubernetesPodOperator(task_id="load", image=IMAGE, arguments=["--day", DAY])
        done = EmptyOperator(task_id="done")
        for name in ["x", "y"]:
            KubernetesPodOperator(task_id=name, image="ghcr.io/acme/etl:1.2")
        extract >> load >> report
        """
    )
    assert refused(pipeline) == [  # hostnetwork= is kept as written, IMAGE read as Python would
        line(3) + "KubernetesPodOperator(task_id=\"load\") argument arguments=['--day', DAY] is not read: "
        "create_dag reads a list of strings here",
        line(4) + 'EmptyOperator(task_id="done") is not a KubernetesPodOperator: create_dag writes '
        "KubernetesPodOperator tasks (and the wait_for_upstream sensor) only",
        line(5) + "a loop that makes tasks or dependencies: create_dag reads tasks written one by one",
        line(7) + "report in a dependency is not a task create_dag knows",
    ]
    assert [task["task_id"] for task in pipeline.tasks] == ["extract"]  # the only one read whole


def test_task_arguments_that_cannot_be_read() -> None:
    pipeline = read(
        """
        a = KubernetesPodOperator(
            task_id="a",
            image="busybox:1.36",
            secrets=[Secret("volume", "/etc/x", "s")],
            env_vars=[k8s.V1EnvVar(name="X", value_from=k8s.V1EnvVarSource())],
            container_resources=k8s.V1ResourceRequirements(limits={"nvidia.com/gpu": "1"}),
            **common,
        )
        b = KubernetesPodOperator(task_id=f"b_{n}", image="busybox:1.36")
        c = KubernetesPodOperator(task_id="c", image="busybox:1.36", retries=5)
        d = KubernetesPodOperator(task_id="c", image="busybox:1.36")
        e = KubernetesPodOperator(task_id="e")
        """
    )
    # a volume Secret, value_from and a gpu limit are no answer's form: kept as written, as retries= is
    assert refused(pipeline) == [
        line(7) + 'KubernetesPodOperator(task_id="a") argument `**common` is unpacked: create_dag reads arguments '
        "written out",
        line(9) + "KubernetesPodOperator(...) has task_id=f'b_{n}': create_dag reads a task id written as a string",
        line(11) + 'task_id "c" is given to two tasks',
        line(12) + 'KubernetesPodOperator(task_id="e") has no image=',
    ]


def test_other_things_a_record_could_not_hold() -> None:
    head = HEAD.replace("from airflow.sdk import DAG", "from airflow.sdk import DAG, TaskGroup, task")
    pipeline = read(
        """
        a = KubernetesPodOperator(task_id="a", image="i:1")
        b = KubernetesPodOperator(task_id="b", image="i:1")
        with TaskGroup("group"):
            c = KubernetesPodOperator(task_id="c", image="i:1")

        @task
        def hello():
            print("hello")

        if a:
            a >> b
        [a] >> [b]
        chain([a, b], [b])
        a.doc_md = "the first task"
        make_tasks(dag)
        """,
        head,
    )
    assert refused(pipeline) == [
        line(3) + "tasks or dependencies under `with TaskGroup('group'): c ...`: create_dag reads them written "
        "unconditionally in the DAG",
        line(7) + "@task function hello: create_dag manages KubernetesPodOperator tasks",
        line(10) + "tasks or dependencies under `if a: a >> b`: create_dag reads them written unconditionally in "
        "the DAG",
        line(12) + "a list on both sides of >>: Python cannot run it (use chain or cross_downstream)",
        line(13) + "chain(...) between lists of 2 and 1 tasks: Airflow refuses lists of different lengths",
        line(14) + "`a.doc_md = 'the first task'` is not read: create_dag reads tasks, their dependencies and "
        "literals in a DAG",
        line(15) + "`make_tasks(dag)` is not read: create_dag reads tasks, their dependencies and literals in a DAG",
    ]


def test_tasks_outside_the_dag_a_second_dag_and_cycles() -> None:
    source = HEAD + textwrap.indent(PODS + "a >> b >> a\nc >> c\n", "    ")
    source += 'orphan = KubernetesPodOperator(task_id="orphan", image="i:1")\n'
    source += 'def factory():\n    return KubernetesPodOperator(task_id="made", image="i:1")\n'
    source += 'with DAG(dag_id="second"):\n    KubernetesPodOperator(task_id="x", image="i:1")\n'
    pipeline = read_pipeline(parse_text(source, Path("dag.py")))
    assert refused(pipeline) == [
        line(1) + 'tasks "a", "b" run after each other in a cycle',
        line(7) + 'task "c" runs after itself',
        line(8) + 'KubernetesPodOperator(task_id="orphan") belongs to no DAG: it is neither in the DAG\'s `with` '
        "block nor given dag=",
        line(9) + "factory makes tasks or dependencies: create_dag reads them where the DAG is written",
        line(11) + 'another DAG (dag_id "second") in the same file: adopt reads a file that defines one DAG',
    ]


def test_a_docstring_imports_constants_and_dag_attributes_are_no_refusal() -> None:
    head = HEAD.replace('"""A pipeline written by hand."""', '"""A pipeline.\n\nWith a long docstring."""\n'
                        "import os\nREGION = os.environ.get('REGION', 'eu')\nLIMITS = {'cpu': '1'}\nFLAGS = 1 << 4\n"
                        "def helper(x):\n    return x * 2\n")  # fmt: skip
    pipeline = read(PODS + 'dag.doc_md = __doc__\nretries_note = "literals are fine in the DAG"\na >> b\n', head)
    assert after(pipeline)["b"] == ["a"]


def test_a_long_dependency_chain_is_read_without_recursion() -> None:
    links = 1_200  # 2,400 operands: past Python's recursion limit, within what 3.11's parser takes
    pipeline = read(PODS + " >> ".join(["a", "b"] * links) + "\n")
    assert refused(pipeline) == [line(1) + 'tasks "a", "b" run after each other in a cycle']


@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10 parses such a file on a deep stack, more slowly")
def test_deeply_nested_values_in_a_task_are_refused_not_a_crash() -> None:
    deep = "[" * 180 + "]" * 180
    pipeline = read(f'a = KubernetesPodOperator(task_id="a", image="i:1", cmds={deep})\n')
    assert [item.line for item in pipeline.refused] == [HEAD_LINES + 1]


# --- the template's own DAGs read back ------------------------------------------------------


def read_file(path: Path) -> Pipeline:
    return read_pipeline(parse_text(path.read_text(encoding="utf-8"), path))


def test_a_generated_dag_reads_back_as_its_answers(dags_dir: Path) -> None:
    path = write_dag(
        dags_dir,
        task_id="load",
        namespace="etl",
        cmds=["python", "-m", "etl"],
        arguments=["--day", "{{ ds }}"],
        secrets="DB_PASSWORD=db-creds:password",
        image_pull_secrets=["regcred"],
        cpu_request="500m",
        memory_limit="1Gi",
        external_dag_id="upstream_daily",
        external_task_id="done",
        external_delta_minutes=30,
    )
    pipeline = read_file(path)
    assert pipeline.refused == []
    expected: dict[str, Any] = {
        "namespace": "etl", "image_pull_secrets": ["regcred"], "cpu_request": "500m", "memory_request": "",
        "cpu_limit": "", "memory_limit": "1Gi", "external_dag_id": "upstream_daily", "external_task_id": "done",
        "external_delta_minutes": 30, "sensor_timeout_minutes": 360, "sensor_poke_interval_seconds": 300,
        # the pod options the template writes every time, with their values; no other
        "get_logs": True, "on_finish_action": "delete_pod",
        "tasks": [{"task_id": "load", "image": "ghcr.io/acme/sales:1.2.0",
                   "cmds": ["python", "-m", "etl"], "arguments": ["--day", "{{ ds }}"],
                   "secrets": [{"env": "DB_PASSWORD", "secret": "db-creds", "key": "password"}], "after": []}],
    }  # fmt: skip
    assert pipeline.answers() == expected


def test_a_generated_sharded_dag_with_an_unnamed_task_reads_back(dags_dir: Path) -> None:
    # "run-pod" is no Python name: the template gives it a sanitized variable (with a
    # file-level noqa for AIR001) and names that in the dependency line
    path = write_dag(dags_dir, task_id="run-pod", shards=3, external_dag_id="upstream_daily")
    text = path.read_text(encoding="utf-8")
    assert "# ruff: noqa: AIR001" in text
    assert "    run_pod = KubernetesPodOperator.partial(\n        task_id=\"run-pod\"," in text
    assert text.endswith("    wait_for_upstream >> run_pod\n")
    pipeline = read_file(path)
    assert pipeline.refused == []
    (task,) = pipeline.tasks
    assert task["task_id"] == "run-pod" and task["shards"] == 3 and task["env_vars"] == {}


def test_a_generated_dag_of_mapped_tasks_reads_back_without_its_join(dags_dir: Path) -> None:
    # every task mapped, no sensor: the template writes an EmptyOperator after the last pods,
    # the template's own (as name= is), no task of the answers
    tasks = [
        {"task_id": "extract", "shards": 2},
        {"task_id": "clean-up", "shards": 3, "after": ["extract"]},
        {"task_id": "enrich", "shards": 2, "after": ["extract"], "env_vars": {"MODE": "full"}},
    ]
    path = write_dag(dags_dir, tasks=tasks, alerts=["success"])
    text = path.read_text(encoding="utf-8")
    assert '    done = EmptyOperator(\n        task_id="done",\n        on_success_callback=None,\n    )' in text
    pipeline = read_file(path)
    assert pipeline.refused == []
    assert [(task["task_id"], task["shards"], task["after"]) for task in pipeline.tasks] == [
        ("extract", 2, []), ("clean-up", 3, ["extract"]), ("enrich", 2, ["extract"]),
    ]  # fmt: skip
    assert pipeline.tasks[2]["env_vars"] == {"MODE": "full"}

    one = write_dag(dags_dir, dag_id="one_daily", task_id="load", shards=4)
    assert 'load_done = EmptyOperator(\n        task_id="load_done",\n    )' in one.read_text(encoding="utf-8")
    assert [task["task_id"] for task in read_file(one).tasks] == ["load"] and read_file(one).refused == []


MAPPED = """\
a = KubernetesPodOperator.partial(task_id="a", image="i:1").expand(
    env_vars=[{"SHARD": str(shard), "SHARDS": "2"} for shard in range(2)])
b = KubernetesPodOperator.partial(task_id="b", image="i:1").expand(
    env_vars=[{"SHARD": str(shard), "SHARDS": "2"} for shard in range(2)])
"""  # lines 1-4


def test_the_join_as_the_template_writes_it_is_no_task() -> None:
    pipeline = read(MAPPED + 'a >> b\nb_done = EmptyOperator(task_id="b_done", on_success_callback=None)\n'
                    "b >> b_done\n")  # fmt: skip
    assert after(pipeline) == {"a": [], "b": ["a"]}
    pipeline = read(MAPPED + 'done = EmptyOperator(task_id="done")\n[a, b] >> done\n')
    assert after(pipeline) == {"a": [], "b": []}
    # the template's id, "_" added while a task has it
    pipeline = read(MAPPED.replace('"b"', '"a_done"') + 'j = EmptyOperator(task_id="a_done_")\nb >> a\na >> j\n')
    assert after(pipeline) == {"a": ["a_done"], "a_done": []}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        # not where the template writes one: a pod is not mapped, the sensor waits first
        (pod("c") + '\nd = EmptyOperator(task_id="c_done")\nc >> d\n',
         'EmptyOperator(task_id="c_done") is not a KubernetesPodOperator: create_dag writes KubernetesPodOperator '
         "tasks (and the wait_for_upstream sensor) only"),
        (MAPPED + 'wait_for_upstream = ExternalTaskSensor(task_id="wait_for_upstream", external_dag_id="up")\n'
         'wait_for_upstream >> [a, b]\ndone = EmptyOperator(task_id="done")\n[a, b] >> done\n',
         'EmptyOperator(task_id="done") is not a KubernetesPodOperator: create_dag writes KubernetesPodOperator '
         "tasks (and the wait_for_upstream sensor) only"),
        # not after every last pod, or not last
        (MAPPED + 'done = EmptyOperator(task_id="done")\na >> done\n',
         'EmptyOperator(task_id="done") runs after "a": create_dag\'s EmptyOperator runs after the last pod '
         'tasks, "a", "b"'),
        (MAPPED + 'done = EmptyOperator(task_id="done")\n',
         'EmptyOperator(task_id="done") runs after nothing: create_dag\'s EmptyOperator runs after the last pod '
         'tasks, "a", "b"'),
        (MAPPED + 'b_done = EmptyOperator(task_id="b_done")\na >> b\na >> b_done\n',
         'EmptyOperator(task_id="b_done") runs after "a": create_dag\'s EmptyOperator runs after the last pod '
         'tasks, "b"'),
        (MAPPED + 'b_done = EmptyOperator(task_id="b_done")\na >> b >> b_done\nb_done >> a\n',
         '"a" runs after EmptyOperator(task_id="b_done"): create_dag\'s EmptyOperator comes last'),
        (MAPPED + 'a_done = EmptyOperator(task_id="a_done")\na >> b >> a_done\n',
         'EmptyOperator(task_id="a_done") is not read: create_dag\'s EmptyOperator after the last pods is the '
         'task "b_done"'),
        # another task id, a second one
        (MAPPED + 'end = EmptyOperator(task_id="end")\n[a, b] >> end\n',
         'EmptyOperator(task_id="end") is not read: create_dag\'s EmptyOperator after the last pods is the task '
         '"done"'),
        (MAPPED + 'done = EmptyOperator(task_id="done")\nagain = EmptyOperator(task_id="again")\n'
         "[a, b] >> done\n[a, b] >> again\n",
         'EmptyOperator(task_id="again") is a second EmptyOperator: create_dag writes one, after the last pods'),
    ],
)
def test_an_empty_operator_elsewhere_is_refused(body: str, problem: str) -> None:
    assert [text.split(": ", 1)[1] for text in refused(read(body))] == [problem]


@pytest.mark.parametrize(
    "call",
    [
        'EmptyOperator(task_id="done", trigger_rule="all_done")',
        'EmptyOperator(task_id="done", on_success_callback=notify)',
        'EmptyOperator("done")',
        "EmptyOperator(task_id=DONE)",
        'empty.EmptyOperator(task_id="done")',  # not imported from airflow
    ],
)
def test_an_empty_operator_in_another_form_is_refused(call: str) -> None:
    problems = refused(read(MAPPED + f"done = {call}\n[a, b] >> done\n"))
    assert problems and all("is not a KubernetesPodOperator" in text for text in problems[:1]), problems


def test_the_join_read_through_a_module_import() -> None:
    head = HEAD.replace("from airflow.providers.standard.operators.empty import EmptyOperator\n",
                        "from airflow.providers.standard.operators import empty\n")  # fmt: skip
    assert after(read(MAPPED + 'done = empty.EmptyOperator(task_id="done")\n[a, b] >> done\n', head)) == {
        "a": [], "b": [],
    }  # fmt: skip


# --- pod options ------------------------------------------------------------------------------

POD_OPTIONS: dict[str, Any] = {
    "service_account_name": "etl-runner",
    "container_security_context": {"runAsNonRoot": True, "runAsUser": 1000, "readOnlyRootFilesystem": True},
    "node_selector": {"pool": "batch", "kubernetes.io/os": "linux"},
    "node_affinity": {"topology.kubernetes.io/zone": ["eu-west-1a", "eu-west-1b"], "disk": ["ssd"]},
    "tolerations": [
        {"key": "dedicated", "operator": "Equal", "value": "batch", "effect": "NoSchedule"},
        {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    ],
    "priority_class_name": "batch-high",
    "env_from": [{"configMapRef": {"name": "app-settings"}}, {"secretRef": {"name": "app-secrets"}, "prefix": "APP_"}],
    "volumes": [
        {"name": "data", "persistentVolumeClaim": {"claimName": "sales-data", "readOnly": True}},
        {"name": "cfg", "configMap": {"name": "app-config"}},
        {"name": "creds", "secret": {"secretName": "app-creds"}},
        {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}},
    ],
    "volume_mounts": [
        {"name": "data", "mountPath": "/data", "readOnly": True},
        {"name": "creds", "mountPath": "/etc/creds/token", "subPath": "token"},
    ],
    "labels": {"team": "sales"},
    "annotations": {"vault.hashicorp.com/role": "etl"},
    "image_pull_policy": "IfNotPresent",
    "startup_timeout_seconds": 600,
    "on_finish_action": "keep_pod",
    "do_xcom_push": True,
    "get_logs": False,
    "pool": "k8s pods",
    "priority_weight": -5,
    "pod_template_file": "/opt/airflow/pod.yaml",
}


def test_pod_option_defaults_are_the_questions_defaults() -> None:
    from createdag.questions import BY_KEY

    assert {key: BY_KEY[key].default for key in POD_OPTION_DEFAULTS} == POD_OPTION_DEFAULTS
    pod_questions = {q.key for q in BY_KEY.values() if q.when.__name__ == "_wants_pod_options"}
    assert set(POD_OPTION_DEFAULTS) == pod_questions


def test_every_pod_option_the_template_writes_reads_back(dags_dir: Path) -> None:
    path = write_dag(dags_dir, task_id="load", **POD_OPTIONS)
    pipeline = read_file(path)
    assert pipeline.refused == []
    assert {key: pipeline.defaults[key] for key in POD_OPTIONS} == POD_OPTIONS


def test_pod_options_written_by_hand() -> None:
    head = HEAD.replace(
        "from kubernetes.client import models as k8s\n",
        "from kubernetes.client import models as k8s\n"
        "from kubernetes.client.models import V1Toleration, V1Volume, V1VolumeMount, V1EmptyDirVolumeSource\n"
        "from airflow.providers.cncf.kubernetes.utils.pod_manager import OnFinishAction\n",
    )
    pipeline = read(
        """
        a = KubernetesPodOperator(
            task_id="a",
            image="busybox:1.36",
            service_account_name=None,
            container_security_context={"runAsUser": 1000, "runAsNonRoot": True},
            affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}]}}},
            tolerations=[V1Toleration(key="spot", operator="Exists", effect="NoSchedule"),
                         {"key": "gpu", "operator": "Equal", "value": "yes", "effect": "NoExecute",
                          "tolerationSeconds": 60}],
            volumes=[V1Volume(name="tmp", empty_dir=V1EmptyDirVolumeSource(medium="Memory"))],
            volume_mounts=[V1VolumeMount(name="tmp", mount_path="/tmp", read_only=False)],
            on_finish_action=OnFinishAction.DELETE_SUCCEEDED_POD,
            labels=None,
        )
        """,
        head,
    )
    assert pipeline.refused == [], refused(pipeline)
    task = pipeline.defaults  # one task: its pod options are the DAG's
    assert task["service_account_name"] == "" and task["labels"] == {}
    assert task["container_security_context"] == {"runAsUser": 1000, "runAsNonRoot": True}
    assert task["node_affinity"] == {"disk": ["ssd"]}
    assert task["tolerations"] == [
        {"key": "spot", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "gpu", "operator": "Equal", "value": "yes", "effect": "NoExecute", "tolerationSeconds": 60},
    ]
    assert task["volumes"] == [{"name": "tmp", "emptyDir": {"medium": "Memory"}}]
    assert task["volume_mounts"] == [{"name": "tmp", "mountPath": "/tmp", "readOnly": False}]
    assert task["on_finish_action"] == "delete_succeeded_pod"
    assert "get_logs" not in task and "startup_timeout_seconds" not in task  # left out: not recorded


def test_pod_options_no_answer_holds_are_listed_by_line() -> None:
    pipeline = read(
        """
        a = KubernetesPodOperator(
            task_id="a",
            image="busybox:1.36",
            container_security_context=k8s.V1SecurityContext(privileged=True),
            affinity=k8s.V1Affinity(pod_anti_affinity=k8s.V1PodAntiAffinity()),
            tolerations=[k8s.V1Toleration("spot")],
            env_from=[k8s.V1EnvFromSource(config_map_ref=k8s.V1ConfigMapEnvSource(name="a", optional=True))],
            volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "c"}}],
            volume_mounts=[k8s.V1VolumeMount(name="data", mountPath="/data")],
            labels={"team": TEAM},
            startup_timeout_seconds=True,
            get_logs="yes",
            security_context=k8s.V1PodSecurityContext(fs_group=1000),
        )
        b = KubernetesPodOperator(
            task_id="b",
            image="busybox:1.36",
            affinity=k8s.V1Affinity(node_affinity=k8s.V1NodeAffinity(
                required_during_scheduling_ignored_during_execution=k8s.V1NodeSelector(node_selector_terms=[
                    k8s.V1NodeSelectorTerm(match_expressions=[
                        k8s.V1NodeSelectorRequirement(key="disk", operator="NotIn", values=["hdd"])])]))),
            tolerations=[{"key": "a", "toleration_seconds": 5}],
            volumes=[k8s.V1Volume(name="x", host_path=k8s.V1HostPathVolumeSource(path="/x"))],
        )
        """
    )
    # Forms no answer holds are kept as written (a pod anti-affinity, a host_path volume, the pod's
    # security_context); a name bound nowhere and values of the wrong kind are listed.
    lines = [item.line for item in pipeline.refused]
    assert lines == [HEAD_LINES + n for n in (10, 11, 12)]
    assert "`TEAM`, a name whose value is not written in this file as a literal" in pipeline.refused[0].what
    assert [task["task_id"] for task in pipeline.tasks] == ["b"]
    assert set(pipeline.carried["b"]) == {"affinity", "tolerations", "volumes"}


def test_pod_options_most_tasks_share_are_the_dags_and_a_task_that_differs_overrides_them() -> None:
    pipeline = read(
        f"""
        {pod("a", service_account_name='"etl"', get_logs="False")}
        {pod("b", service_account_name='"etl"', get_logs="False")}
        {pod("c", on_finish_action='"keep_pod"', get_logs="False")}
        """
    )
    assert pipeline.refused == []
    # every task writes get_logs=False: the DAG's; what only some write stays theirs
    assert pipeline.defaults == {"get_logs": False}
    a, b, c = pipeline.tasks
    assert a["service_account_name"] == b["service_account_name"] == "etl" and "on_finish_action" not in b
    assert "service_account_name" not in c and c["on_finish_action"] == "keep_pod" and "get_logs" not in c


def test_labels_some_tasks_give_stay_theirs_a_task_value_adds_to_the_dags() -> None:
    pipeline = read(f"""
        {pod("a", labels='{"team": "sales"}')}
        {pod("b")}
        """)
    assert pipeline.refused == [] and "labels" not in pipeline.defaults
    a, b = pipeline.tasks
    assert a["labels"] == {"team": "sales"} and "labels" not in b  # b has none: not the DAG's


# --- Airflow 3 task answers: outlets, execution_timeout -----------------------------------------


def test_outlets_and_execution_timeout_as_written_by_the_template_and_by_hand() -> None:
    head = HEAD.replace("from airflow.sdk import DAG,", "from airflow.sdk import DAG, Asset, Dataset,")
    pipeline = read(
        f"""
        {pod("a", outlets='[Asset("s3://lake/raw")]', execution_timeout="datetime.timedelta(minutes=45)")}
        {pod("b", outlets='[Asset("s3://a"), Dataset("s3://b")]', execution_timeout="datetime.timedelta(hours=2)")}
        {pod("c", outlets="None", execution_timeout="None")}
        {pod("d", outlets='(Asset(name="raw", uri="s3://c"),)')}
        {pod("e", outlets='Asset("s3://d")')}
        """,
        head,
    )
    assert pipeline.refused == [], refused(pipeline)
    a, b, c, d, e = pipeline.tasks
    assert e["outlets"] == ["s3://d"]
    assert a["outlets"] == ["s3://lake/raw"] and a["execution_timeout_minutes"] == 45
    assert b["outlets"] == ["s3://a", "s3://b"] and b["execution_timeout_minutes"] == 120
    assert c["outlets"] == [] and c["execution_timeout_minutes"] == 0
    assert d["outlets"] == ["s3://c"] and "execution_timeout_minutes" not in d


def test_outlets_and_execution_timeouts_it_cannot_read_are_listed_by_line() -> None:
    pipeline = read(
        f"""
        {pod("a", outlets="[Asset(URI)]")}
        {pod("b", outlets="OUTLETS")}
        {pod("c", execution_timeout="datetime.timedelta(seconds=90)")}
        {pod("d", execution_timeout="300")}
        """
    )
    assert [item.line for item in pipeline.refused] == [HEAD_LINES + n for n in (1, 2)]
    what = refused(pipeline)
    assert "outlets=[Asset(URI)] is not read as an answer ([Asset(\"uri\"), ...])" in what[0]
    # a timeout no answer holds (seconds) is kept as written
    assert pipeline.carried == {"c": {"execution_timeout": "datetime.timedelta(seconds=90)"},
                                "d": {"execution_timeout": "300"}}  # fmt: skip
