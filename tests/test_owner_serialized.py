"""The owner of a DAG whose only task is mapped, as Airflow 3.3 shows it after parsing.

A DAG with ``shards`` > 1 and no upstream sensor has one task,
``KubernetesPodOperator.partial(...).expand(env_vars=[...])``. Its owner comes
from ``default_args``, and Airflow keeps it only in the mapped task's
``partial_kwargs``. The DAG processor serializes each DAG into a
``LazyDeserializedDAG`` (``airflow.dag_processing.processor._serialize_dags``)
and writes ``DagModel.owners`` from its ``owner``
(``airflow.dag_processing.collection.DagModelOperation.update_dags``:
``dm.owners = dag.owner or conf.get("operators", "default_owner")``). That
property reads the ``owner`` key at the top level of each serialized task
only; a mapped task's serialized form has none (its owner is under
``partial_kwargs``), so a DAG of mapped tasks only gets ``"airflow"``, the
default owner. The UI and ``airflow dags list`` show ``DagModel.owners``
(through the API's ``DAGResponse``). The fully deserialized ``SerializedDAG``
does read ``partial_kwargs`` and has the right owner, which is why the
scheduler itself is not affected.

Any unmapped task of the DAG that has the owner fixes it: a DAG with an
upstream sensor is right already, and the template gives a DAG of mapped
tasks only an ``EmptyOperator`` after its pods. The tests check the owner of
generated DAGs at every step from the file to the API, pin down Airflow's
own behaviour (so they fail, and the join can go, the day Airflow fixes it),
and check that the join runs no pod.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import load_dagbag, write_dag

pytestmark = pytest.mark.airflow

OWNER = "data-team"
BUNDLE = "dags-folder"


@pytest.fixture(scope="module")
def metadata_db() -> None:
    """A migrated metadata DB (in the session's AIRFLOW_HOME), with the dags-folder bundle in it."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True, timeout=600
    )
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    DagBundlesManager().sync_bundles_to_db()


def owners_after_parsing(dags_dir: Path, dag_id: str) -> tuple[dict[str, Any], Any]:
    """The DAG's owner at each step from the DAG file to the UI, done as Airflow 3.3 does it,
    and the scheduler's copy of the DAG (the serialized DAG, deserialized).

    Parse (``BundleDagBag``), serialize as the DAG processor does (``_serialize_dags``),
    write the result as the processor manager does (``update_dag_parsing_results_in_db``),
    then read ``DagModel.owners`` back through ``DAGResponse``, as the API (the UI) and
    ``airflow dags list`` do.
    """
    import structlog
    from airflow.api_fastapi.core_api.datamodels.dags import DAGResponse
    from airflow.dag_processing.collection import update_dag_parsing_results_in_db
    from airflow.dag_processing.processor import _serialize_dags
    from airflow.models.dag import DagModel
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.utils.session import create_session

    bag = load_dagbag(dags_dir)
    assert bag.import_errors == {}
    serialized, errors = _serialize_dags(bag, structlog.get_logger())
    assert errors == {}
    (lazy,) = [dag for dag in serialized if dag.dag_id == dag_id]
    scheduler_dag = DagSerialization.from_dict(lazy.data)
    with create_session() as session:
        update_dag_parsing_results_in_db(BUNDLE, None, [lazy], {}, None, set(), session=session)
    with create_session() as session:
        model = session.get(DagModel, dag_id)
        assert model is not None
        owners = {
            "sdk": bag.dags[dag_id].owner,
            "deserialized": scheduler_dag.owner,
            "lazy": lazy.owner,
            "dag_model": model.owners,
            "api": DAGResponse.model_validate(model, from_attributes=True).owners,
        }
    return owners, scheduler_dag


def test_owner_of_a_mapped_only_dag_is_shown_as_written(dags_dir: Path, metadata_db: None) -> None:
    """The generated DAG: four parallel pods, no sensor, owner data-team."""
    path = write_dag(dags_dir, dag_id="owner_mapped_only", owner=OWNER, shards=4)
    assert ".partial(" in path.read_text(encoding="utf-8")  # the one task is mapped
    owners, _ = owners_after_parsing(dags_dir, "owner_mapped_only")
    assert owners["dag_model"] == OWNER, (
        f"the UI and `airflow dags list` show owner {owners['dag_model']!r}, not {OWNER!r}: "
        f"each step from the file to the UI gave {owners}. A DAG's owner in DagModel comes from its "
        "unmapped tasks only (LazyDeserializedDAG.owner ignores partial_kwargs): the template must give "
        "a mapped-only DAG an unmapped task"
    )
    assert owners["api"] == [OWNER]


# --- Airflow's behaviour, on hand-written DAGs --------------------------------------------------------

MAPPED_ONLY = """\
import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG(
    dag_id={dag_id!r}, schedule=None, start_date=pendulum.datetime(2026, 1, 1), default_args={{"owner": {owner!r}}}
):
    shards = EmptyOperator.partial(task_id="shards").expand(doc=["a", "b"])
"""


def test_airflow_drops_the_owner_of_mapped_tasks_when_it_writes_dag_model(
    dags_dir: Path, metadata_db: None
) -> None:
    """Airflow 3.3 itself: when this fails, Airflow reads the owner of mapped tasks, and the
    template no longer needs an unmapped task for it."""
    from airflow.configuration import conf

    (dags_dir / "owner_engine_mapped.py").write_text(
        MAPPED_ONLY.format(dag_id="owner_engine_mapped", owner=OWNER)
    )
    owners, _ = owners_after_parsing(dags_dir, "owner_engine_mapped")
    assert owners["sdk"] == owners["deserialized"] == OWNER  # the DAG and the scheduler's copy have it
    assert owners["lazy"] == ""  # what the processor writes from has not
    assert owners["dag_model"] == conf.get("operators", "default_owner") == "airflow"


def test_an_unmapped_task_gives_the_dag_its_owner(dags_dir: Path, metadata_db: None) -> None:
    (dags_dir / "owner_engine_joined.py").write_text(
        MAPPED_ONLY.format(dag_id="owner_engine_joined", owner=OWNER)
        + '    shards >> EmptyOperator(task_id="done")\n'
    )
    owners, _ = owners_after_parsing(dags_dir, "owner_engine_joined")
    assert owners["lazy"] == owners["dag_model"] == OWNER and owners["api"] == [OWNER]


# --- the proposed template change, applied by hand to a rendered DAG ----------------------------------

@pytest.mark.parametrize("alerts", [["failure"], ["failure", "retry", "success"]], ids=["failure", "all"])
def test_the_join_after_the_pods_gives_the_dag_its_owner_and_runs_no_pod(
    dags_dir: Path, metadata_db: None, alerts: list[str]
) -> None:
    """The template's EmptyOperator after all-mapped pods: the owner shown is the DAG's, and the
    scheduler ends it itself (no worker pod, no alert for it: its success callback is None)."""
    dag_id = f"owner_joined_{len(alerts)}"
    path = write_dag(dags_dir, dag_id=dag_id, owner=OWNER, shards=4, alerts=alerts)
    source = path.read_text(encoding="utf-8")
    assert 'main_done = EmptyOperator(' in source and "    main >> main_done\n" in source
    assert ("on_success_callback=None" in source) == ("success" in alerts)

    owners, scheduler_dag = owners_after_parsing(dags_dir, dag_id)
    assert owners["lazy"] == owners["dag_model"] == OWNER and owners["api"] == [OWNER]

    from airflow.models.taskinstance import TaskInstance

    join = scheduler_dag.get_task("main_done")
    assert join.upstream_task_ids == {"main"} and scheduler_dag.get_task("main").downstream_task_ids == {
        "main_done"
    }
    assert join.owner == OWNER
    assert not TaskInstance.is_task_schedulable(join)
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "AIR", "--preview", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout
