"""What a generated DAG file costs Airflow's DAG processor to parse, next to the alternatives.

Run: ``.venv/bin/python bench/parse.py [ROUNDS] [--no-bytecode]`` (default
100 rounds, a few minutes). Needs the project's ``airflow`` extra (Airflow 3.3
and the Kubernetes provider); the dag-factory comparison needs dag-factory,
which is not a project dependency. Either into the venv::

    .venv/bin/pip install dag-factory==1.1.0

or, to keep the Airflow plugin it registers out of the venv's other Airflow
runs, into a folder of its own (its dependencies are already in the venv)::

    .venv/bin/pip install --no-deps --target /tmp/df dag-factory==1.1.0
    PYTHONPATH=/tmp/df .venv/bin/python bench/parse.py

Without it the dag-factory rows are skipped. Telemetry of dag-factory is
switched off here (``DO_NOT_TRACK``); nothing goes on the network.

One process imports Airflow, the operator modules and the alert module
first, as the DAG processor has them before it parses a file. Then, round
after round, in a new random order each round, it parses each candidate with
``BundleDagBag(dag_folder=<file>)``, the way ``create_dag --check`` and the
tests do, and records the time. Candidates, written into a temporary dags
folder:

* ``generated``: the file create_dag writes for a typical answer set
  (default answers: failure alerts to Teams, one pull secret, 2 retries);
* ``handwritten``: the same DAG written by hand as briefly as it goes: the
  same operator, the same DAG and operator arguments, the same callbacks
  (``TeamsNotifier`` from the same module), no docstring; the script checks
  that Airflow serializes the two DAGs identically (ids aside), so "the same
  arguments" is verified, not assumed;
* ``dag-factory``: the same DAG as dag-factory YAML and the two-line loader
  file dag-factory documents; built at parse time;
* the three again without alerts (``*-no-alerts``): the operator alone;
* ``generated-10-tasks`` and ``handwritten-10-tasks``: a pipeline of ten pod
  tasks (``t0 >> [t1, t2, t3] >> t4 >> t5 >> [t6, t7] >> t8 >> t9``, each
  its own image and command), generated, and written by hand as briefly as
  it goes (the same ten calls, the same ``>>`` lines), checked identical
  when serialized like the one-task pair.

Two modes: ``warm`` (every module the file imports is already imported: the
issue's set-up) and ``processor`` (modules outside ``airflow.`` that the
file imports, ``teams_alerts`` and ``dagfactory``, are dropped from
``sys.modules`` before each parse: Airflow 3's processor parses each file in
a fresh fork and pre-imports only ``airflow.*`` modules, so that is what a
file pays there). Prints medians (ms) and the ratios the issue sets targets
for: generated/handwritten <= 1.10, generated < dag-factory.

Byte-code: by default Python caches the compiled DAG file and ``teams_alerts``
in the dags folder's ``__pycache__`` (SourceFileLoader, which DagBag uses),
as a processor with a writable dags folder does. ``--no-bytecode`` (or
``PYTHONDONTWRITEBYTECODE=1``, ignored here unless the flag is given) makes
every parse compile from source, as with a read-only dags folder.
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HOME = Path(tempfile.mkdtemp(prefix="create_dag-bench-parse-"))
DAGS = HOME / "dags"
DAGS.mkdir()
os.environ.setdefault("AIRFLOW_HOME", str(HOME / "airflow_home"))
os.environ.update(
    {
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "SCARF_NO_ANALYTICS": "1",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",  # DagBag logs every file it fills from
    }
)
warnings.simplefilter("ignore")  # dag-factory's deprecation warnings, once per parse

ANSWERS = {
    "image": "ghcr.io/acme/etl:1.4.2",
    "owner": "data-team",
    "start_date": "2026-01-01",
    "schedule": "0 6 * * *",
    "description": "Nightly ETL",
    "tags": ["etl"],
}

HANDWRITTEN = '''\
import datetime

import pendulum
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import DAG
from kubernetes.client import models as k8s
{alerts_import}
with DAG(
    dag_id="{dag_id}",
    description="Nightly ETL",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=16,
    tags=["etl"],
    default_args={{
        "owner": "data-team",
        "depends_on_past": False,
        "wait_for_downstream": False,
        "retries": 2,
        "retry_delay": datetime.timedelta(minutes=5),{alerts_args}
    }},
):
    main = KubernetesPodOperator(
        task_id="main",
        name="{pod}",
        namespace="airflow",
        image="ghcr.io/acme/etl:1.4.2",
        cmds=[],
        arguments=[],
        image_pull_secrets=[k8s.V1LocalObjectReference(name="regcred")],
        get_logs=True,
        on_finish_action="delete_pod",
    )
'''

FACTORY_YAML = """\
{dag_id}:
  description: Nightly ETL
  schedule: "0 6 * * *"
  start_date: 2026-01-01
  timezone: UTC
  catchup: false
  max_active_runs: 1
  max_active_tasks: 16
  tags: [etl]
  default_args:
    owner: data-team
    depends_on_past: false
    wait_for_downstream: false
    retries: 2
    retry_delay:
      __type__: datetime.timedelta
      minutes: 5{alerts_args}
  tasks:
    - task_id: main
      operator: airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator
      name: {pod}
      namespace: airflow
      image: ghcr.io/acme/etl:1.4.2
      cmds: []
      arguments: []
      image_pull_secrets:
        - __type__: kubernetes.client.models.V1LocalObjectReference
          name: regcred
      get_logs: true
      on_finish_action: delete_pod
"""

FACTORY_ALERTS = """
    on_failure_callback:
      callback: teams_alerts.TeamsNotifier
      event: failure
      conn_id: msteams_webhook_url"""

FACTORY_LOADER = """\
# dag-factory's documented loader: the DAG is built from the YAML when this file is parsed
from dagfactory import load_yaml_dags

load_yaml_dags(globals_dict=globals(), config_filepath="{yaml}")
"""


PIPELINE_AFTER = [[], ["t0"], ["t0"], ["t0"], ["t1", "t2", "t3"], ["t4"], ["t5"], ["t5"], ["t6", "t7"], ["t8"]]
PIPELINE_LINES = ["t0 >> [t1, t2, t3] >> t4 >> t5 >> [t6, t7] >> t8 >> t9"]

HANDWRITTEN_TASK = """\
    t{n} = KubernetesPodOperator(
        task_id="t{n}",
        name="{pod}",
        namespace="airflow",
        image="ghcr.io/acme/step{n}:1.0.{n}",
        cmds=["python", "-m", "step{n}"],
        arguments=["--date", "{{{{ ds }}}}"],
        image_pull_secrets=[k8s.V1LocalObjectReference(name="regcred")],
        get_logs=True,
        on_finish_action="delete_pod",
    )
"""


def pipeline_answers(dag_id: str) -> dict:
    tasks = [
        {"task_id": f"t{n}", "image": f"ghcr.io/acme/step{n}:1.0.{n}", "cmds": ["python", "-m", f"step{n}"],
         "arguments": ["--date", "{{ ds }}"], "after": after}
        for n, after in enumerate(PIPELINE_AFTER)
    ]  # fmt: skip
    return {**{k: v for k, v in ANSWERS.items() if k != "image"}, "dag_id": dag_id, "tasks": tasks}


def handwritten_pipeline(dag_id: str) -> str:
    head = HANDWRITTEN.format(
        dag_id=dag_id, pod="", alerts_import="\nfrom teams_alerts import TeamsNotifier\n",
        alerts_args='\n        "on_failure_callback": [TeamsNotifier(event="failure", conn_id="msteams_webhook_url")],',
    )  # fmt: skip
    head = head[: head.index("    main = KubernetesPodOperator(")]
    body = "".join(HANDWRITTEN_TASK.format(n=n, pod=f"{dag_id.replace('_', '-')}-t{n}") for n in range(10))
    return head + body + "".join(f"    {line}\n" for line in PIPELINE_LINES)


def write_candidates(with_factory: bool) -> dict[str, Path]:
    from createdag.answers import resolve
    from createdag.create import install_alerts_module
    from createdag.settings import Settings
    from createdag.render import render_dag

    install_alerts_module(DAGS)
    files: dict[str, Path] = {}
    for suffix, alerts in (("", ["failure"]), ("_no_alerts", [])):
        label = "" if alerts else "-no-alerts"
        dag_id = f"generated{suffix}"
        answers, _ = resolve({**ANSWERS, "dag_id": dag_id, "alerts": alerts}, Settings(output_dir=DAGS))
        files[f"generated{label}"] = DAGS / f"{dag_id}.py"
        files[f"generated{label}"].write_text(render_dag(answers), encoding="utf-8")

        dag_id = f"handwritten{suffix}"
        files[f"handwritten{label}"] = DAGS / f"{dag_id}.py"
        files[f"handwritten{label}"].write_text(
            HANDWRITTEN.format(
                dag_id=dag_id,
                pod=dag_id.replace("_", "-") + "-main",
                alerts_import="\nfrom teams_alerts import TeamsNotifier\n" if alerts else "",
                alerts_args='\n        "on_failure_callback": [TeamsNotifier(event="failure", conn_id="msteams_webhook_url")],'
                if alerts
                else "",
            ),
            encoding="utf-8",
        )
        if with_factory:
            dag_id = f"factory{suffix}"
            yaml_path = DAGS / f"{dag_id}.yml"
            yaml_path.write_text(
                FACTORY_YAML.format(
                    dag_id=dag_id, pod=dag_id.replace("_", "-") + "-main", alerts_args=FACTORY_ALERTS if alerts else ""
                ),
                encoding="utf-8",
            )
            files[f"dag-factory{label}"] = DAGS / f"{dag_id}.py"
            files[f"dag-factory{label}"].write_text(FACTORY_LOADER.format(yaml=yaml_path), encoding="utf-8")
    answers, _ = resolve(pipeline_answers("generated_10_tasks"), Settings(output_dir=DAGS))
    files["generated-10-tasks"] = DAGS / "generated_10_tasks.py"
    files["generated-10-tasks"].write_text(render_dag(answers), encoding="utf-8")
    files["handwritten-10-tasks"] = DAGS / "handwritten_10_tasks.py"
    files["handwritten-10-tasks"].write_text(handwritten_pipeline("handwritten_10_tasks"), encoding="utf-8")
    return files


def parse(path: Path):
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=str(path), bundle_path=DAGS, safe_mode=False)


def comparable(dag) -> dict:
    """The DAG as Airflow serializes it, minus what only names or places it."""
    from airflow.serialization.serialized_objects import DagSerialization

    data = DagSerialization.to_dict(dag)["dag"]
    for key in ("dag_id", "fileloc", "relative_fileloc", "_processor_dags_folder", "dag_display_name"):
        data.pop(key, None)
    for task in data.get("tasks", []):
        task = task.get("__var", task)
        task.pop("name", None)  # the pod name is derived from the dag_id
    return data


def check_equivalent(files: dict[str, Path]) -> list[str]:
    notes = []
    for label in ("", "-no-alerts", "-10-tasks"):
        dags = {}
        for kind in ("generated", "handwritten", "dag-factory"):
            path = files.get(kind + label)
            if path is None:
                continue
            bag = parse(path)
            if bag.import_errors or len(bag.dags) != 1:
                raise SystemExit(f"{path} does not load: {bag.import_errors}")
            dags[kind] = comparable(next(iter(bag.dags.values())))
        same = dags["generated"] == dags["handwritten"]
        notes.append(f"generated{label} vs handwritten{label}: serialized DAGs {'identical' if same else 'DIFFER'}")
        if not same:
            raise SystemExit("the hand-written DAG is not the same DAG as the generated one: fix HANDWRITTEN")
        if "dag-factory" in dags:
            diff = sorted(
                k
                for k in set(dags["generated"]) | set(dags["dag-factory"])
                if dags["generated"].get(k) != dags["dag-factory"].get(k)
            )
            notes.append(f"generated{label} vs dag-factory{label}: differ only in {diff or 'nothing'}")
    return notes


def drop(prefixes: tuple[str, ...]) -> None:
    for name in [m for m in sys.modules if m.split(".")[0] in prefixes]:
        del sys.modules[name]


def main() -> None:
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    rounds = int(args[0]) if args else 100
    sys.dont_write_bytecode = "--no-bytecode" in sys.argv
    try:
        import dagfactory  # noqa: F401

        with_factory = True
    except ImportError:
        with_factory = False
        print("dag-factory not installed: its rows are skipped (see this script's docstring)\n")

    started = time.perf_counter()
    import airflow
    import airflow.providers.cncf.kubernetes.operators.pod
    import airflow.providers.standard.sensors.external_task  # noqa: F401
    import kubernetes.client.models  # noqa: F401
    import pendulum  # noqa: F401
    from airflow.dag_processing.dagbag import BundleDagBag  # noqa: F401

    sys.path.append(str(DAGS))
    files = write_candidates(with_factory)
    import teams_alerts

    print(f"imports before parsing: {time.perf_counter() - started:.1f} s (paid once per processor, not per file)")
    for note in check_equivalent(files):
        print(note)

    modes = {"warm": (), "processor": ("teams_alerts", "dagfactory")}
    times: dict[tuple[str, str], list[float]] = {(m, k): [] for m in modes for k in files}
    rng = random.Random(42)
    for mode, evict in modes.items():
        for kind, path in files.items():  # warm-up: byte-code caches, first-time imports
            drop(evict)
            parse(path)
        for _ in range(rounds):
            order = list(files.items())
            rng.shuffle(order)
            for kind, path in order:
                drop(evict)
                gc.collect()
                start = time.perf_counter()
                bag = parse(path)
                times[mode, kind].append(time.perf_counter() - start)
                assert len(bag.dags) == 1 and not bag.import_errors, bag.import_errors
        drop(evict)
        import teams_alerts  # noqa: F401,F811

    print(f"\nrounds: {rounds} per mode; python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
          f"byte-code cache {'off' if sys.dont_write_bytecode else 'on'}")  # fmt: skip
    print("BundleDagBag(dag_folder=<file>) median ms (p10-p90)")
    for mode in modes:
        print(f"\n{mode}:")
        for kind in files:
            samples = sorted(times[mode, kind])
            p10, p90 = samples[len(samples) // 10], samples[len(samples) * 9 // 10]
            print(f"  {kind:24} {statistics.median(samples) * 1000:7.2f}   ({p10 * 1000:.2f}-{p90 * 1000:.2f})")
        for label in ("", "-no-alerts", "-10-tasks"):
            gen = times[mode, "generated" + label]
            hand = times[mode, "handwritten" + label]
            paired = statistics.median(g / h for g, h in zip(gen, hand))
            print(
                f"  generated{label} / handwritten{label}: {statistics.median(gen) / statistics.median(hand):.3f}"
                f" (median of per-round ratios {paired:.3f}; target <= 1.10)"
            )
            if ("dag-factory" + label) in files:
                fac = times[mode, "dag-factory" + label]
                print(
                    f"  generated{label} / dag-factory{label}: {statistics.median(gen) / statistics.median(fac):.3f}"
                    f" (target < 1; dag-factory is {statistics.median(fac) / statistics.median(gen):.1f}x slower)"
                )


if __name__ == "__main__":
    main()
