"""The fast rendering path gives exactly what cookiecutter gives, and batches keep their promises.

``render.Renderer`` loads dag_template/ once and renders each DAG in memory;
``render.render_raw_cookiecutter`` runs cookiecutter's ``generate_files`` the
way the ``cookiecutter`` command does. Both must produce the same text for
every kind of answer. Batches (a process pool, streaming writes through a
staging folder, a progress bar) must write the same files as the plain
path, in order, and write nothing when they fail. Correctness only: timings
live in bench/ and docs/performance.md.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, BASE_ANSWERS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from createdag import generate, render
from createdag.progress import TextProgress
from createdag.answers import resolve
from createdag.errors import OutputExists, RenderError
from createdag.settings import Settings



def write_batch(batch: Any, out: Path, *, force: bool = False, progress: Any = None, jobs: Any = None) -> list[str]:
    """The one writer (``create.write_dags``); returns its messages."""
    from createdag import create

    return create.write_dags(batch, Settings(output_dir=out, force=force), progress=progress, jobs=jobs).messages


def visible(folder: Path) -> list[str]:
    """What the DAG processor sees in ``folder``, after checking each DAG has its record (the
    records' folder and the .airflowignore that names the alert module are no DAG files)."""
    names = sorted(p.name for p in folder.iterdir() if p.name not in (".create_dag", ".airflowignore"))
    for name in names:
        if name.startswith("dag_"):
            assert (folder / ".create_dag" / name.replace(".py", ".json")).is_file(), name
    return names


NOWHERE = Settings(output_dir=Path("/nonexistent/dags"))

#: Answer sets that between them take every branch of the template.
VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "manual_no_alerts": {"schedule": None, "alerts": [], "retries": 0, "image_pull_secrets": [], "catchup": True},
    "everything": {
        "dag_id": "billing.v2-export", "description": "Export billing to the warehouse",
        "tags": ["billing", "export"], "schedule": "30 6 * * 1-5", "timezone": "Europe/Paris",
        "wait_for_downstream": True, "max_active_runs": 2, "max_active_tasks": 8, "retries": 3,
        "retry_delay_minutes": 10, "alerts": ["failure", "retry", "success"], "teams_conn_id": "teams_billing",
        "task_id": "export", "namespace": "billing", "cmds": ["python", "-m", "billing.export"],
        "arguments": ["--date", "{{ ds }}"],
        "secrets": ["DB_PASSWORD=billing-db:password", "API_TOKEN=billing-api:token"],
        "image_pull_secrets": ["regcred", "ghcr-pull"],
        "cpu_request": "250m", "memory_request": "512Mi", "cpu_limit": "1", "memory_limit": "1Gi",
    },
    "limits_only": {"cpu_limit": "2", "memory_limit": "2Gi"},
    "shards": {"shards": 8, "task_id": "run-pod"},
    "sensor_whole_run": {"external_dag_id": "upstream_a", "alerts": ["success"], "schedule": "0 6 * * *"},
    "sensor_task_offset": {
        "external_dag_id": "upstream_b", "external_task_id": "load", "external_delta_minutes": 60,
        "sensor_timeout_minutes": 30, "sensor_poke_interval_seconds": 60, "task_id": "class", "shards": 3,
    },
    "jinja_and_quotes": {
        "description": "{{ 7 * 7 }} {% raw %} '\"\"\" \\ é✓漢字🙂", "owner": "O'Brien \"ops\"",
        "tags": ["{{x}}", "a'b"], "arguments": ["echo '{{ ds }}' \\\n \"$X\"", "{% if params.full %}--full{% endif %}"],
    },
    "long_values": {"description": "x" * 300, "image": "registry.example.com/" + "a" * 150 + ":1",
                    "tags": [f"tag{i}" for i in range(12)]},
}  # fmt: skip


def answers_for(**overrides: Any) -> dict[str, Any]:
    answers, _ = resolve({**BASE_ANSWERS, **overrides}, NOWHERE)
    return answers


def many(count: int, **overrides: Any) -> list[dict[str, Any]]:
    return [answers_for(dag_id=f"dag_{number:04d}", image=f"ghcr.io/acme/etl:1.{number}.0", **overrides)
            for number in range(count)]  # fmt: skip


# --- the loaded template renders what cookiecutter renders ---------------------------------


@pytest.mark.parametrize("name", list(VARIANTS))
def test_loaded_template_matches_generate_files(name: str) -> None:
    answers = answers_for(**VARIANTS[name])
    assert render.render_raw(answers) == render.render_raw_cookiecutter(answers)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    description=st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    tags=st.lists(st.sampled_from(["a", "{{x}}", "é", "x y", "'", '"']), max_size=3, unique=True),
)
def test_loaded_template_matches_generate_files_on_any_text(description: str, tags: list[str]) -> None:
    answers = answers_for(description=description, tags=tags)
    assert render.render_raw(answers) == render.render_raw_cookiecutter(answers)


def test_defaults_are_read_as_cookiecutter_reads_them() -> None:
    from cookiecutter.generate import generate_context

    template_dir = render.renderer().template_dir
    expected = generate_context(context_file=str(template_dir / "cookiecutter.json"))["cookiecutter"]
    assert render._template_defaults(template_dir) == expected
    assert list(render._template_defaults(template_dir)) == list(expected)


def test_answers_are_data_not_jinja() -> None:
    source = render.render_dag(answers_for(description="{{ 7 * 7 }}", tags=["{% raw %}"]))
    assert "description='{{ 7 * 7 }}'" in source.replace('"', "'")
    assert "49" not in source


def test_one_renderer_per_template_and_no_file_access_per_dag(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    import jinja2

    renderer = render.renderer()
    assert render.renderer() is renderer
    answers = answers_for()
    first = renderer.render(answers)

    def no_disk(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the template was read again")

    monkeypatch.setattr(os, "walk", no_disk)
    monkeypatch.setattr(os, "listdir", no_disk)
    monkeypatch.setattr(builtins, "open", no_disk)
    monkeypatch.setattr(jinja2.FileSystemLoader, "get_source", no_disk)
    again = [renderer.render(answers) for _ in range(3)]
    monkeypatch.undo()
    assert again == [first] * 3


def test_unknown_answer_key_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="lacks keys"):
        render.render_raw({**answers_for(), "not_a_key": 1})


# --- batches ---------------------------------------------------------------------------------


def run_isolated(code: str) -> None:
    """Run ``code`` in a fresh interpreter: the pool only forks where Airflow is not imported,
    and earlier tests of a full run import it into this one."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    env.pop("CREATE_DAG_JOBS", None)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=False, cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stdout + result.stderr


POOL_PRELUDE = """
    import multiprocessing
    from pathlib import Path
    from test_render_batch import many, visible, write_batch
    from createdag import generate, render

    workers = []
    def watch(done, total):  # proof that the pool runs: worker processes exist mid-batch
        workers.append(len(multiprocessing.active_children()))
"""


def test_pool_renders_the_same_files_in_order() -> None:
    run_isolated(POOL_PRELUDE + """
    batch = many(12)
    serial = generate.render_all(batch, Path("dags"), jobs=1)
    pooled = generate.render_all(batch, Path("dags"), progress=watch, jobs=2)
    assert max(workers) == 2, workers
    assert pooled == serial
    assert [item.path.name for item in pooled] == [f"dag_{n:04d}.py" for n in range(12)]
    assert pooled[3].source == render.render_dag(batch[3])
    print("ok")
    """)


def test_pool_streaming_write_and_failures(tmp_path: Path) -> None:
    run_isolated(POOL_PRELUDE + f"""
    import pytest
    from createdag.errors import RenderError

    out = Path({str(tmp_path)!r})
    batch = many(60)
    write_batch(batch, out / "serial", jobs=1)
    write_batch(batch, out / "pooled", progress=watch, jobs=2)
    assert max(workers) == 2, workers
    names = visible(out / "serial")
    assert visible(out / "pooled") == names and len(names) == 61  # 60 DAGs and teams_alerts.py
    for name in names:
        assert (out / "serial" / name).read_bytes() == (out / "pooled" / name).read_bytes()

    real = render.Renderer.render
    def fail_on_dag_7(self, answers):
        if answers["dag_id"] == "dag_0007":
            raise RenderError("boom")
        return real(self, answers)
    render.Renderer.render = fail_on_dag_7  # the workers, forked after this, inherit it
    with pytest.raises(RenderError, match="boom"):
        write_batch(batch, out / "failed", jobs=2)
    assert not (out / "failed").exists()
    render.Renderer.render = real

    def interrupt(done, total):
        if done == 4:
            raise KeyboardInterrupt
    (out / "interrupted").mkdir()
    with pytest.raises(KeyboardInterrupt):
        write_batch(batch, out / "interrupted", progress=interrupt, jobs=2)
    assert list((out / "interrupted").iterdir()) == []
    assert multiprocessing.active_children() == []  # the pool is gone
    print("ok")
    """)


def test_no_pool_once_airflow_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing
    import types

    if "airflow" not in sys.modules:
        monkeypatch.setitem(sys.modules, "airflow", types.ModuleType("airflow"))
    children: list[int] = []
    rendered = generate.render_all(
        many(3), Path("dags"), progress=lambda done, total: children.append(len(multiprocessing.active_children())),
        jobs=2,
    )
    assert len(rendered) == 3 and children == [0, 0, 0]


def test_default_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREATE_DAG_JOBS", raising=False)
    assert generate.default_jobs(1) == 1
    assert generate.default_jobs(generate.POOL_MIN - 1) == 1
    assert generate.default_jobs(1000) >= 1
    monkeypatch.setenv("CREATE_DAG_JOBS", "1")
    assert generate.default_jobs(1000) == 1
    monkeypatch.setenv("CREATE_DAG_JOBS", "3")
    assert generate.default_jobs(1000) == 3
    assert generate.default_jobs(2) == 2


def test_progress_is_called_for_every_dag() -> None:
    calls: list[tuple[int, int]] = []
    generate.render_all(many(5), Path("dags"), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(n, 5) for n in range(1, 6)]


def test_streaming_write_equals_render_then_write(tmp_path: Path) -> None:
    batch = many(10) + [answers_for(dag_id="quiet", alerts=[])]
    rendered = generate.render_all(batch, tmp_path / "a")
    calls: list[int] = []
    messages = write_batch(batch, tmp_path / "b", progress=lambda done, total: calls.append(done), jobs=1)
    names = visible(tmp_path / "b")  # no staging folder left
    assert names == sorted([item.path.name for item in rendered] + ["teams_alerts.py"])
    for item in rendered:
        written = tmp_path / "b" / item.path.name
        assert written.read_text(encoding="utf-8") == item.source
        assert written.stat().st_mode & 0o777 == 0o644 & ~_umask()
    assert messages[0].startswith("wrote ") and "teams_alerts.py" in messages[0]
    assert messages[1].startswith(f"wrote {tmp_path / 'b' / '.airflowignore'}")  # the module is no DAG file
    assert messages[2:] == [f"wrote {tmp_path / 'b' / item['dag_id']}.py" for item in batch]
    assert calls == list(range(1, 12))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_streaming_write_refuses_before_writing_anything(tmp_path: Path) -> None:
    out = tmp_path / "dags"
    out.mkdir()
    (out / "dag_0003.py").write_text("mine")
    with pytest.raises(OutputExists, match="dag_0003.py"):
        write_batch(many(5), out)
    assert sorted(p.name for p in out.iterdir()) == ["dag_0003.py"]
    assert (out / "dag_0003.py").read_text() == "mine"


def test_streaming_write_with_force_replaces(tmp_path: Path) -> None:
    out = tmp_path / "dags"
    out.mkdir()
    (out / "dag_0001.py").write_text("old")
    batch = many(3)
    write_batch(batch, out, force=True)
    assert (out / "dag_0001.py").read_text() == render.render_dag(batch[1])
    assert visible(out) == ["dag_0000.py", "dag_0001.py", "dag_0002.py", "teams_alerts.py"]


def test_render_failure_mid_batch_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = render.Renderer.render

    def fail_on_dag_7(self: render.Renderer, answers: Any) -> str:
        if answers["dag_id"] == "dag_0007":
            raise RenderError("boom")
        return real(self, answers)

    monkeypatch.setattr(render.Renderer, "render", fail_on_dag_7)
    out = tmp_path / "dags"
    with pytest.raises(RenderError, match="boom"):
        write_batch(many(10), out, jobs=1)
    assert not out.exists()  # not even the folder, which this run would have created


def test_interrupt_mid_batch_writes_nothing(tmp_path: Path) -> None:
    def interrupt(done: int, total: int) -> None:
        if done == 4:
            raise KeyboardInterrupt

    out = tmp_path / "dags"
    out.mkdir()
    with pytest.raises(KeyboardInterrupt):
        write_batch(many(60), out, progress=interrupt, jobs=1)
    assert list(out.iterdir()) == []  # the folder was there before: it stays, empty


def test_file_appearing_mid_batch_takes_back_what_was_written(tmp_path: Path) -> None:
    out = tmp_path / "dags"

    def someone_else_writes(done: int, total: int) -> None:
        if done == total:  # after the existence check, before the files get their names
            (out / "dag_0002.py").write_text("theirs")

    with pytest.raises(OutputExists, match="dag_0002.py"):
        write_batch(many(4), out, progress=someone_else_writes)
    # nothing of this run is left (the alert module it wrote and the records included): only theirs
    assert sorted(p.name for p in out.iterdir()) == ["dag_0002.py"]
    assert (out / "dag_0002.py").read_text() == "theirs"


# --- the progress bar --------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_and_ends_its_line() -> None:
    stream = FakeTerminal()
    bar = TextProgress("rendering", stream=stream, width=10)
    for done in range(1, 101):
        bar(done, 100)
    text = stream.getvalue()
    assert text.endswith("\rrendering [##########] 100/100\n")
    assert "\rrendering [#####.....] 50/100" in text
    assert text.count("\r") <= 101


def test_progress_bar_stays_quiet_for_small_batches_and_pipes() -> None:
    small = FakeTerminal()
    for done in range(1, 6):
        TextProgress(stream=small)(done, 5)
    pipe = io.StringIO()
    for done in range(1, 101):
        TextProgress(stream=pipe)(done, 100)
    assert small.getvalue() == "" and pipe.getvalue() == ""


def test_progress_bar_closes_an_interrupted_line() -> None:
    stream = FakeTerminal()
    with pytest.raises(KeyboardInterrupt), TextProgress(stream=stream) as bar:
        bar(10, 100)
        raise KeyboardInterrupt
    assert stream.getvalue().endswith(" 10/100\n")


# --- skipping black only where black would change nothing -------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
_WORDS = st.lists(st.text("abcxyz -_{}'\"é日", min_size=1, max_size=30), max_size=4)
_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,40}", fullmatch=True)


@st.composite
def _specs(draw: st.DrawFn) -> dict:
    count = draw(st.integers(1, 4))
    ids = draw(st.lists(_NAME, min_size=count, max_size=count, unique=True))
    tasks = []
    for number, task_id in enumerate(ids):
        task = {"task_id": task_id, "image": draw(st.sampled_from(["a:1", "ghcr.io/acme/" + "x" * 40 + ":1.0"])),
                "cmds": draw(_WORDS), "arguments": draw(_WORDS), "shards": draw(st.sampled_from([1, 1, 3, 40])),
                "after": draw(st.lists(st.sampled_from(ids[:number]), unique=True)) if number else []}  # fmt: skip
        if draw(st.booleans()):
            task["env_vars"] = {"A": draw(_TEXT), "LONG_NAME_" + "X" * draw(st.integers(0, 40)): "v"}
        if draw(st.booleans()):
            task["secrets"] = [{"env": "PW", "secret": "s" * draw(st.integers(1, 60)), "key": "k"}]
        if draw(st.booleans()):
            task["cpu_request"] = "250m"
        tasks.append(task)
    return {
        "dag_id": draw(_NAME), "image": "a:1", "owner": draw(_TEXT.filter(str.strip)), "start_date": "2026-01-01",
        "description": draw(_TEXT), "tags": draw(st.lists(st.text("abc ", min_size=1, max_size=20), max_size=5)),
        "alerts": draw(st.sampled_from([[], ["failure"], ["failure", "retry", "success"]])),
        "teams_conn_id": draw(st.sampled_from(["t", "msteams", "msteams_webhook_url", "c" * 60])),
        "external_dag_id": draw(st.sampled_from(["", "up"])), "tasks": tasks,
    }  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(spec=_specs())
def test_black_is_skipped_only_where_it_would_change_nothing(spec: dict) -> None:
    import black

    from createdag.render import _black_mode, is_black_already, render_raw


    from createdag.errors import InvalidAnswers
    from hypothesis import assume

    try:
        answers, _ = resolve(spec, NOWHERE)
    except InvalidAnswers:
        assume(False)  # e.g. an unclosed {{ in an env value: refused, nothing to render
    raw = render_raw(answers)
    formatted = black.format_str(raw, mode=_black_mode())
    if is_black_already(raw):
        assert formatted == raw  # the fast path writes exactly what black writes
    assert render.format_source(raw) == formatted
