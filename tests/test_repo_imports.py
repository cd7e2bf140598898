"""adopt reads the values a DAG file imports from its repo's own modules, never importing them.

``from include.airflow_utils import DATA_IMAGE``: the module is looked for under the file's
folder and each above it up to the repo's root, parsed, and a name bound once there to data
is read as if written in the file. A value that names anything else of its module (a
callback function) is not read, nor is a module that is not a regular file of the repo.
"""

from __future__ import annotations

import io
import os
import textwrap
import uuid
from pathlib import Path

import pytest
from helpers import load_dagbag

from createdag import adopt, records
from createdag.cli import main
from createdag.errors import UserError

HEAD = """\
from datetime import datetime

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import DAG
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An Astro-style repo: dags/ and include/ side by side under a root that holds .git."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root / "include" / "__init__.py", "")
    write(root / "include" / "registry.py", 'REGISTRY = "ghcr.io/acme"\n')
    write(root / "include" / "airflow_utils.py", '''\
        """What the team's DAGs share."""
        import logging
        from datetime import timedelta

        from airflow.providers.cncf.kubernetes.secret import Secret
        from kubernetes.client import models as k8s

        from include.registry import REGISTRY

        logger = logging.getLogger(__name__)
        DATA_IMAGE = f"{REGISTRY}/data:2026.03.0"


        def notify(context):
            logger.error("failed: %s", context)


        team_defaults = {"owner": "data", "retries": 1, "retry_delay": timedelta(minutes=1)}
        alert_defaults = {"owner": "data", "on_failure_callback": notify}
        resources = k8s.V1ResourceRequirements(requests={"memory": "2Gi", "cpu": "800m"}, limits={"memory": "4Gi"})
        pod_defaults = {"get_logs": True, "container_resources": resources, "startup_timeout_seconds": 200,
                        "cmds": ["/bin/bash", "-c"], "namespace": "data"}
        DB_PASSWORD = Secret(deploy_type="env", deploy_target="DB_PASSWORD", secret="db", key="password")
        ''')
    (root / "dags").mkdir()
    return root


def test_values_imported_from_the_repos_modules_are_read_through_every_module(repo: Path) -> None:
    path = write(repo / "dags" / "crime.py", HEAD + textwrap.dedent('''
        from include.airflow_utils import DATA_IMAGE, DB_PASSWORD, pod_defaults, team_defaults

        with DAG(dag_id="crime", schedule="0 7 1 * *", start_date=datetime(2026, 1, 1), catchup=False,
                 default_args=team_defaults):
            KubernetesPodOperator(**pod_defaults, image=DATA_IMAGE, task_id="extract", secrets=[DB_PASSWORD],
                                  arguments=["python extract.py"])
        '''))
    plan = adopt.plan_adopt(repo / "dags", path)
    assert {key: plan.recorded[key] for key in ("owner", "retries", "retry_delay_minutes")} == {
        "owner": "data", "retries": 1, "retry_delay_minutes": 1,
    }  # fmt: skip
    (task,) = plan.recorded["tasks"]
    assert task["image"] == "ghcr.io/acme/data:2026.03.0"  # an f-string of a name from a third module
    assert task["secrets"] == [{"env": "DB_PASSWORD", "secret": "db", "key": "password"}]
    assert task["cmds"] == ["/bin/bash", "-c"] and "data" in (plan.recorded.get("namespace"), task.get("namespace"))
    assert task["cpu_request"] == "800m" and task["memory_limit"] == "4Gi" and task["startup_timeout_seconds"] == 200
    assert plan.kept == []  # every value is an answer: the constructors were recognised through the module


def test_a_value_that_names_a_function_of_its_module_is_not_read(repo: Path) -> None:
    """``alert_defaults`` holds the module's ``notify``: that name means nothing in the DAG file, and
    the DAG file's own ``notify`` must never be taken for it."""
    path = write(repo / "dags" / "alerting.py", HEAD + textwrap.dedent('''
        from include.airflow_utils import DATA_IMAGE, alert_defaults

        notify = {"owner": "someone-else"}

        with DAG(dag_id="alerting", schedule=None, start_date=datetime(2026, 1, 1), default_args=alert_defaults):
            KubernetesPodOperator(image=DATA_IMAGE, task_id="t")
        '''))
    with pytest.raises(UserError) as refused:
        adopt.plan_adopt(repo / "dags", path)
    message = str(refused.value)
    assert "line 10: default_args=alert_defaults is not read" in message
    assert ("`alert_defaults` is imported from include/airflow_utils.py, where its value names `notify`, not a "
            "value written out there") in message  # fmt: skip


@pytest.mark.parametrize("where", ["nowhere", "fifo", "cycle", "outside"])
def test_a_module_that_is_not_a_readable_file_of_the_repo_leaves_the_name_unread(
    repo: Path, tmp_path: Path, where: str
) -> None:
    module = "missing.consts"
    if where == "fifo":  # never opened: reading it would hang
        (repo / "fifo_pkg").mkdir()
        os.mkfifo(repo / "fifo_pkg" / "consts.py")
        module = "fifo_pkg.consts"
    elif where == "cycle":  # two modules importing each other's names: no endless reading
        write(repo / "loop" / "a.py", "from loop.b import IMAGE\n")
        write(repo / "loop" / "b.py", "from loop.a import IMAGE\n")
        module = "loop.a"
    elif where == "outside":  # above the repo's root (the folder with .git): not the repo's
        write(tmp_path / "outside_pkg" / "consts.py", 'IMAGE = "busybox:1.36"\n')
        module = "outside_pkg.consts"
    path = write(repo / "dags" / "lost.py", HEAD + textwrap.dedent(f'''
        from {module} import IMAGE

        with DAG(dag_id="lost", schedule=None, start_date=datetime(2026, 1, 1)):
            KubernetesPodOperator(image=IMAGE, task_id="t")
        '''))
    with pytest.raises(UserError) as refused:
        adopt.plan_adopt(repo / "dags", path)
    if where == "cycle":  # found, and said why its value is none
        assert "`IMAGE` is imported from loop/a.py, where it is no value bound once" in str(refused.value)
    else:
        assert f"`IMAGE` is imported ({module}.IMAGE): write its value in this file" in str(refused.value)


def test_a_name_bound_again_in_the_dag_file_is_not_the_modules(repo: Path) -> None:
    path = write(repo / "dags" / "rebound.py", HEAD + textwrap.dedent('''
        from include.airflow_utils import DATA_IMAGE

        DATA_IMAGE = DATA_IMAGE + "-debug"

        with DAG(dag_id="rebound", schedule=None, start_date=datetime(2026, 1, 1)):
            KubernetesPodOperator(image=DATA_IMAGE, task_id="t")
        '''))
    with pytest.raises(UserError) as refused:
        adopt.plan_adopt(repo / "dags", path)
    assert "argument image=DATA_IMAGE is not read" in str(refused.value)  # neither value: Python sees the second


# --- on Airflow: the property, and update ----------------------------------------------------


def _git_sync_repo(tmp_path: Path) -> tuple[Path, str]:
    """The Helm chart's git-sync layout: a package of shared values inside the dags folder
    (on sys.path for the DAG processor), under a name no other test's module has."""
    package = f"shared_{uuid.uuid4().hex[:8]}"
    dags = tmp_path / "dags"
    write(dags / package / "__init__.py", "")
    write(dags / package / "pods.py", '''\
        from kubernetes.client import models as k8s

        REGISTRY = "ghcr.io/acme"
        IMAGE = REGISTRY + "/billing:2.1"
        pod_defaults = {
            "namespace": "billing",
            "container_resources": k8s.V1ResourceRequirements(requests={"nvidia.com/gpu": "1"}),
            "labels": {"team": "billing"},
        }
        ''')
    write(dags / package / "settings.py", f'''\
        from datetime import timedelta

        from {package}.pods import REGISTRY

        default_args = {{"owner": "billing", "retries": 3, "retry_delay": timedelta(minutes=10)}}
        ''')
    return dags, package


@pytest.mark.airflow
def test_a_dag_of_imported_values_serializes_like_its_record(tmp_path: Path) -> None:
    from test_adopt_serialized import serialized

    dags, package = _git_sync_repo(tmp_path)
    text = HEAD + textwrap.dedent(f'''
        from {package}.pods import IMAGE, pod_defaults
        from {package}.settings import default_args

        with DAG(dag_id="billing", schedule="@daily", start_date=datetime(2026, 1, 1), catchup=False,
                 default_args=default_args):
            extract = KubernetesPodOperator(**pod_defaults, task_id="extract", image=IMAGE, arguments=["extract"])
            load = KubernetesPodOperator(**pod_defaults, task_id="load", image=IMAGE, arguments=["load"])
            extract >> load
        ''')
    path = write(dags / "billing.py", text)
    plan = adopt.plan_adopt(dags, path)
    rendered = tmp_path / "rendered"
    write(rendered / "billing.py", plan.pristine)
    want = serialized(dags)["billing"]
    assert serialized(rendered)["billing"] == want
    tasks = want["dag"]["tasks"]
    assert {task["__var"]["image"] for task in tasks} == {"ghcr.io/acme/billing:2.1"}


@pytest.mark.airflow
def test_update_after_adopting_a_file_of_imported_values_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    dags, package = _git_sync_repo(tmp_path)
    text = HEAD + textwrap.dedent(f'''
        from {package}.pods import IMAGE, pod_defaults
        from {package}.settings import default_args

        with DAG(dag_id="billing_sets", schedule="@daily", start_date=datetime(2026, 1, 1), catchup=False,
                 default_args=default_args):
            KubernetesPodOperator(**pod_defaults, task_id="extract", image=IMAGE)
        ''')
    path = write(dags / "billing_sets.py", text)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["adopt", str(path), "-o", str(dags), "--yes"]) == 0
    assert records.load_all(dags)[0].answers["retries"] == 3
    assert main(["update", "-o", str(dags)]) == 0
    assert path.read_text(encoding="utf-8") == text  # byte for byte
    capsys.readouterr()
    # retries lives in the shared module, for every DAG that imports it: not edited from here
    assert main(["update", "-o", str(dags), "--set", "retries=5", "billing_sets"]) == 1
    err = capsys.readouterr().err
    assert "edit the file by hand" in err and f"default_args from {package}/settings.py" in err
    assert path.read_text(encoding="utf-8") == text
    assert main(["update", "-o", str(dags), "--set", "extract.image=ghcr.io/acme/billing:2.2", "billing_sets"]) == 0
    assert 'image="ghcr.io/acme/billing:2.2"' in path.read_text(encoding="utf-8")
    assert load_dagbag(dags).import_errors == {}


def test_a_refusal_says_why_a_modules_value_was_not_read_in_the_files_own_words(repo: Path) -> None:
    """Never a private alias in a message: where the module computes the value, the callback named."""
    write(repo / "include" / "common.py", '''\
        import os

        POD = {"namespace": os.environ.get("NS", "airflow")}
        ''')
    path = write(repo / "dags" / "computed.py", HEAD + textwrap.dedent('''
        from include.airflow_utils import alert_defaults, notify
        from include.common import POD

        with DAG(dag_id="computed", schedule=None, start_date=datetime(2026, 1, 1),
                 default_args={"on_failure_callback": notify}):
            KubernetesPodOperator(task_id="t", image="busybox:1.36", **POD)
        '''))
    with pytest.raises(UserError) as refused:
        adopt.plan_adopt(repo / "dags", path)
    message = str(refused.value)
    assert "_createdag_import" not in message
    assert ("`POD` is imported from include/common.py, where `os.environ.get('NS', 'airflow')` is computed when "
            "the file is parsed") in message  # fmt: skip
    assert "on_failure_callback=notify is not read: create_dag manages the Teams alert it writes" in message
