"""An adopted DAG's record says what its file says: the property, on Airflow's serialized form.

For each hand-written file: adopt it, render the DAG from its record (the base every later
``update`` merges against), parse both as the DAG processor does (``BundleDagBag``) and
serialize both as it does (``_serialize_dags``: what the scheduler and the UI read). The two
serialized DAGs must be equal: owner, retries, retry delay, callbacks, schedule, catchup,
limits, start date, and every task's image, cmds, arguments, env, secrets, resources,
namespace, pod name and the arguments kept as written. Only where each file lives differs.

Fixtures are our own, written in the styles of real DAG repositories (``tests/fixtures/adopt``);
hypothesis writes more; and the real files of ``../shared/corpus`` are run where present.
"""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import CORPUS, REPO, load_dagbag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from createdag import adopt
from createdag.errors import InvalidAnswers, UserError

pytestmark = pytest.mark.airflow

FIXTURES = REPO / "tests" / "fixtures" / "adopt"
#: Where each file lives: the only thing a DAG rendered from its record may say differently.
LOCATION = frozenset({"fileloc", "relative_fileloc"})


def serialized(dags_dir: Path) -> dict[str, Any]:
    """Each DAG of the folder as the DAG processor serializes it, by dag_id."""
    import structlog
    from airflow.dag_processing.processor import _serialize_dags

    bag = load_dagbag(dags_dir)
    assert bag.import_errors == {}, bag.import_errors
    dags, errors = _serialize_dags(bag, structlog.get_logger())
    assert errors == {}
    return {dag.dag_id: _normal(dag.data) for dag in dags}


def _normal(value: Any) -> Any:
    """The serialized DAG without where its file lives; ``env_vars`` as a mapping whether the
    file wrote ``{"A": "b"}`` or ``[k8s.V1EnvVar(name="A", value="b")]`` (the same pod env)."""
    if isinstance(value, dict):
        result = {key: _normal(item) for key, item in value.items() if key not in LOCATION}
        env = result.get("env_vars")
        plain = {"name", "value", "value_from"}
        if isinstance(env, list) and all(
            isinstance(item, dict) and set(item) <= plain and item.get("value_from") is None for item in env
        ):
            result["env_vars"] = {item["name"]: item["value"] for item in env}
        return result
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return value


def adopt_and_render(tmp_path: Path, text: str, name: str = "hand_written.py") -> tuple[Path, Path, adopt.Adoption]:
    """The file in one dags folder, the DAG rendered from its adoption record in another."""
    original, rendered = tmp_path / "original", tmp_path / "rendered"
    original.mkdir()
    rendered.mkdir()
    path = original / name
    path.write_text(text, encoding="utf-8")
    plan = adopt.plan_adopt(original, path)
    (rendered / name).write_text(plan.pristine, encoding="utf-8")
    return original, rendered, plan


def assert_serialized_alike(tmp_path: Path, text: str, name: str = "hand_written.py") -> adopt.Adoption:
    original, rendered, plan = adopt_and_render(tmp_path, text, name)
    want, got = serialized(original), serialized(rendered)
    assert got == want, _first_difference(want, got)
    return plan


def _first_difference(want: Any, got: Any, where: str = "") -> str:
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(set(want) | set(got), key=str):
            if want.get(key) != got.get(key):
                return _first_difference(want.get(key), got.get(key), f"{where}/{key}")
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for index, (one, other) in enumerate(zip(want, got, strict=True)):
            if one != other:
                return _first_difference(one, other, f"{where}/{index}")
    return f"{where}: the file says {want!r}, the record renders {got!r}"


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.py")), ids=lambda path: path.stem)
def test_a_dag_rendered_from_its_record_serializes_like_the_file(tmp_path: Path, fixture: Path) -> None:
    plan = assert_serialized_alike(tmp_path, fixture.read_text(encoding="utf-8"), fixture.name)
    assert plan.kept, "each fixture keeps arguments as written"


def test_default_args_in_a_variable_are_what_the_file_says_not_the_teams_defaults(tmp_path: Path) -> None:
    """The issue's example: owner billing, retries 3, 10 minutes, no alert, max_active_runs left to Airflow."""
    plan = assert_serialized_alike(tmp_path, (FIXTURES / "billing_variable_default_args.py").read_text())
    assert {key: plan.recorded[key] for key in ("owner", "retries", "retry_delay_minutes", "alerts")} == {
        "owner": "billing", "retries": 3, "retry_delay_minutes": 10, "alerts": [],
    }  # fmt: skip
    assert "max_active_runs" not in plan.recorded and "max_active_runs" in plan.absent
    assert "max_active_runs" not in plan.pristine and "TeamsNotifier" not in plan.pristine


# --- generated hand-written files ---------------------------------------------------------------

_KEPT = {  # arguments no question stands for, with values a team writes
    "in_cluster": "True", "hostnetwork": "False", "kubernetes_conn_id": '"kubernetes_default"',
    "config_file": '"/etc/kube/config"', "cluster_context": '"prod"', "log_events_on_failure": "True",
    "random_name_suffix": "False", "queue": '"kubernetes"', "executor_config": '{"KubernetesExecutor": {}}',
    "security_context": "k8s.V1PodSecurityContext(run_as_user=1000, fs_group=2000)",
    "ports": '[k8s.V1ContainerPort(name="http", container_port=8080)]',
    "init_containers": '[k8s.V1Container(name="init", image="busybox:1.36", command=["true"])]',
}  # fmt: skip
_MAPPED = {  # arguments a mapped task's .expand(...) maps, with the values a team maps over
    "arguments": '[["--day", "{{ ds }}"], ["--day", "{{ prev_ds }}"]]', "cmds": '[["python", "-m", "a"], ["sh"]]',
    "env_vars": '[{"PART": "0"}, {"PART": "1"}]', "labels": '[{"part": "0"}, {"part": "1"}]', "name": '["a", "b"]',
    "container_resources": '[k8s.V1ResourceRequirements(requests={"cpu": "1"}), '
                           'k8s.V1ResourceRequirements(limits={"nvidia.com/gpu": "1"})]',
    "node_selector": '[{"pool": "small"}, {"pool": "big"}]', "in_cluster": "[True, False]",
}  # fmt: skip
_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


@st.composite
def hand_written(draw: st.DrawFn) -> str:
    """A DAG file as teams write them: default_args inline or in a variable (any subset of keys),
    ``with DAG(...) as dag`` or ``dag = DAG(...)`` with ``dag=dag``, module-level constants,
    ``**defaults``, arguments kept as written, resources of any name, names or not, mapped tasks
    (``.partial(...).expand(...)`` of any argument the template writes, ``.expand_kwargs([...])``)."""
    default_args = {}
    if draw(st.booleans()):
        default_args["owner"] = repr(draw(_NAME))
    if draw(st.booleans()):
        default_args["retries"] = str(draw(st.integers(0, 9)))
    if draw(st.booleans()):
        default_args["retry_delay"] = f"timedelta(minutes={draw(st.integers(1, 90))})"
    if draw(st.booleans()):
        default_args["depends_on_past"] = str(draw(st.booleans()))
    if draw(st.booleans()):
        default_args["email_on_retry"] = "False"  # kept as written
    dag_args = {"schedule": draw(st.sampled_from(['"@daily"', '"0 5 * * 1-5"', "None"]))}
    if draw(st.booleans()):
        dag_args["start_date"] = f"datetime({draw(st.integers(2020, 2026))}, {draw(st.integers(1, 12))}, 1)"
    else:
        default_args["start_date"] = "datetime(2024, 1, 1)"
    for key, value in (("catchup", str(draw(st.booleans()))), ("max_active_runs", str(draw(st.integers(1, 5)))),
                       ("max_active_tasks", str(draw(st.integers(1, 32)))), ("description", repr(draw(_TEXT))),
                       ("is_paused_upon_creation", "True")):  # fmt: skip
        if draw(st.booleans()):
            dag_args[key] = value
    variable = draw(st.booleans())
    with_block = draw(st.booleans())
    namespace = draw(st.sampled_from([None, "etl"]))
    shared = {"namespace": repr(namespace)} if namespace else {}
    tasks = []
    for index in range(draw(st.integers(1, 3))):
        args = {"task_id": repr(f"t{index}"), "image": "IMAGE"}
        if draw(st.booleans()):
            args["name"] = repr(f"pod-{index}")
        if draw(st.booleans()):
            args["cmds"] = '["python", "-m", "job"]'
        if draw(st.booleans()):
            args["arguments"] = f'["--part", "{index}", "{{{{ ds }}}}"]'
        if draw(st.booleans()):
            args["env_vars"] = draw(st.sampled_from(['{"MODE": "full"}', '[k8s.V1EnvVar(name="MODE", value="x")]']))
        if draw(st.booleans()):
            args["secrets"] = "[DB_SECRET]"
        if draw(st.booleans()):
            resource = draw(st.sampled_from(['"cpu": "500m"', '"nvidia.com/gpu": "1"', '"ephemeral-storage": "1Gi"']))
            args["container_resources"] = f"k8s.V1ResourceRequirements(requests={{{resource}}})"
        for key in draw(st.lists(st.sampled_from(sorted(_KEPT)), max_size=3, unique=True)):
            args[key] = _KEPT[key]
        mapped = draw(st.sampled_from([None, None, "expand", "expand_kwargs"]))
        if mapped == "expand":  # any argument the template writes, mapped over its values
            for key in draw(st.lists(st.sampled_from(sorted(_MAPPED)), min_size=1, max_size=2, unique=True)):
                args.pop(key, None)
                args[f".{key}"] = _MAPPED[key]
        elif mapped == "expand_kwargs":
            args.pop("arguments", None)
            args.pop("env_vars", None)
            args[".."] = '[{"arguments": ["a"], "env_vars": {"PART": "a"}}, {"arguments": ["b"]}]'
        tasks.append(args)
    head = textwrap.dedent(
        """\
        from datetime import datetime, timedelta

        from airflow import DAG
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from airflow.providers.cncf.kubernetes.secret import Secret
        from kubernetes.client import models as k8s

        IMAGE = f"{'ghcr.io/acme'}/job:1.0"
        DB_SECRET = Secret("env", "DB_PASSWORD", "db", "password")
        pod_defaults = {SHARED}
        """
    ).replace("{SHARED}", "{" + ", ".join(f'"{key}": {value}' for key, value in shared.items()) + "}")
    lines = [head]
    if default_args:
        written = "{" + ", ".join(f'"{key}": {value}' for key, value in default_args.items()) + "}"
        if variable:
            lines.append(f"default_args = {written}\n")
            dag_args["default_args"] = "default_args"
        else:
            dag_args["default_args"] = written
    call = "DAG(" + ", ".join([repr("generated"), *(f"{key}={value}" for key, value in dag_args.items())]) + ")"
    indent = "    " if with_block else ""
    lines.append(f"with {call} as dag:\n" if with_block else f"dag = {call}\n")
    for args in tasks:
        given = ", ".join(f"{key}={value}" for key, value in args.items() if not key.startswith("."))
        extra = "" if with_block else ", dag=dag"
        mapped = ", ".join(f"{key[1:]}={value}" for key, value in args.items() if key.startswith(".") and key != "..")
        if mapped:
            call = f"KubernetesPodOperator.partial(**pod_defaults, {given}{extra}).expand({mapped})"
        elif ".." in args:
            call = f"KubernetesPodOperator.partial(**pod_defaults, {given}{extra}).expand_kwargs({args['..']})"
        else:
            call = f"KubernetesPodOperator(**pod_defaults, {given}{extra})"
        lines.append(f"{indent}t_{args['task_id'][2:-1]} = {call}\n")
    if len(tasks) > 1:
        lines.append(indent + " >> ".join(f"t_{args['task_id'][2:-1]}" for args in tasks) + "\n")
    return "".join(lines)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])  # fmt: skip
@given(text=hand_written())
def test_generated_hand_written_dags_serialize_like_their_record(tmp_path_factory: pytest.TempPathFactory,
                                                                 text: str) -> None:  # fmt: skip
    assert_serialized_alike(tmp_path_factory.mktemp("generated"), text)


# --- real files ----------------------------------------------------------------------------------

#: The Airflow 3 files of the corpus whose tasks are all KubernetesPodOperator and whose values
#: can be read from the file itself. Every other one is refused, naming each line.
CORPUS_ADOPTABLE = {
    "skysky229__dbt-clickhouse/dags__consumer_360_dag.py",
    "skysky229__dbt-clickhouse/dags__test_k8s_operator.py",
}


def _corpus_rows(era: str) -> dict[str, dict[str, str]]:
    if not (CORPUS / "SOURCES.tsv").is_file():
        return {}
    with open(CORPUS / "SOURCES.tsv", encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t") if row["era"] == era}


def _corpus_files(era: str) -> list[str]:
    return list(_corpus_rows(era))


def corpus_checkout(tmp_path: Path, name: str, era: str = "3") -> Path:
    """The corpus file where its repository has it (``SOURCES.tsv``'s path), with the modules it
    imports from that repository (``support/``) where they were, under a root that holds .git:
    what a team that adopts it has on disk. The copies live in the test's temp folder only."""
    import shutil

    row = _corpus_rows(era)[name]
    root = tmp_path / "checkout"
    (root / ".git").mkdir(parents=True)
    support = CORPUS / name.split("/")[0] / "support"
    if support.is_dir():
        shutil.copytree(support, root, dirs_exist_ok=True)
    path = root / row["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CORPUS / name, path)
    return path


@pytest.mark.skipif(not (CORPUS / "SOURCES.tsv").is_file(), reason=f"no corpus of real DAG files at {CORPUS}")
@pytest.mark.parametrize("name", _corpus_files("3") or ["none"])
def test_real_airflow3_files_are_adopted_as_they_are_or_refused_line_by_line(tmp_path: Path, name: str) -> None:
    path = corpus_checkout(tmp_path, name)
    if name not in CORPUS_ADOPTABLE:
        with pytest.raises((UserError, InvalidAnswers)) as refused:
            adopt.plan_adopt(path.parent, path)
        message = str(refused.value)
        assert "Traceback" not in message
        if "is not adopted" in message:
            assert "line " in message  # each blocker named by its line
        return
    plan = adopt.plan_adopt(path.parent, path)
    rendered = tmp_path / "rendered"
    rendered.mkdir()
    (rendered / path.name).write_text(plan.pristine, encoding="utf-8")
    want, got = serialized(path.parent), serialized(rendered)
    assert got == want, _first_difference(want, got)


def test_the_corpus_file_names_are_known() -> None:
    if not (CORPUS / "SOURCES.tsv").is_file():
        pytest.skip(f"no corpus of real DAG files at {CORPUS}")
    assert set(_corpus_files("3")) >= CORPUS_ADOPTABLE


@pytest.mark.parametrize(("written", "refused"), [
    ('.partial(task_id="t", image="a").expand(image=["a", "b"])', "maps image=: create_dag writes one image per task"),
    ('.partial(task_id="t", image="a", cmds=["x"]).expand(cmds=[["y"]])', "gives cmds= to both .partial and .expand"),
    ('.partial(task_id="t", image="a").expand(arguments=[[str(n)] for n in range(3)])', "is not read"),
    ('.partial(task_id="t", image="a").expand(arguments=UPSTREAM.output)', "is not read"),
    ('.partial(task_id="t", image="a").expand_kwargs([["--x"]])', "list of dicts with string keys"),
    ('.partial(task_id="t", image="a").expand_kwargs([{"image": "b"}])', "maps image="),
    ('.partial(task_id="t", image="a")', ".partial(...) without .expand(...)"),
])  # fmt: skip
def test_a_mapped_task_that_cannot_be_read_is_refused_with_its_line(tmp_path: Path, written: str, refused: str) -> None:
    text = textwrap.dedent(
        """\
        from datetime import datetime
        from airflow.sdk import DAG
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

        with DAG("mapped", schedule=None, start_date=datetime(2025, 1, 1)):
            KubernetesPodOperator{WRITTEN}
        """
    ).replace("{WRITTEN}", written)
    with pytest.raises(UserError) as error:
        adopt_and_render(tmp_path, text)
    assert "line 6:" in str(error.value) and refused in str(error.value)


def test_a_teams_defaults_never_reach_a_dag_it_adopts(tmp_path: Path) -> None:
    """The team config's defaults are for new DAGs: an adopted file that leaves a value out
    renders (and serializes) with it left out, whatever the config says."""
    (tmp_path / ".create_dag.toml").write_text(textwrap.dedent("""\
        owner = "team-owner"
        retries = 5
        image_pull_secrets = ["teamcred"]
        cpu_request = "250m"
        memory_limit = "1Gi"
        service_account_name = "team-runner"
        labels = {team = "data"}
        node_selector = {pool = "batch"}
        startup_timeout_seconds = 600
        get_logs = false
        """))
    text = textwrap.dedent("""\
        from datetime import datetime

        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from airflow.sdk import DAG

        with DAG("plain", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):
            KubernetesPodOperator(task_id="run", image="busybox:1.36", arguments=["echo", "hi"])
        """)
    original, rendered, plan = adopt_and_render(tmp_path, text)
    for team_value in ("team-owner", "teamcred", "250m", "1Gi", "team-runner", '"team"', "batch", "600",
                       "get_logs=False", "retries"):  # fmt: skip
        assert team_value not in plan.pristine, team_value
    (task,) = plan.recorded["tasks"]
    assert task == {"task_id": "run", "image": "busybox:1.36", "arguments": ["echo", "hi"], "after": []}
    assert not {"owner", "retries", "image_pull_secrets", "cpu_request", "labels", "get_logs"} & set(plan.recorded)
    assert serialized(rendered) == serialized(original)
