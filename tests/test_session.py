"""The session around the questions, without a terminal: what the review re-asks, saved and
kept answers, the owner default, the image pin warning, and plain-text --help."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from createdag import identity, images, session
from createdag.answers import resolve
from createdag.errors import InvalidAnswers, UserError
from createdag.questions import BY_KEY, QUESTIONS
from createdag.settings import Settings

REPO = Path(__file__).resolve().parent.parent


class Reading(Mapping[str, Any]):
    """Answers that note every key read from them."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data, self.read = data, set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return self.data[key]

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return key in self.data

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return self.data.get(key, default)

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("a check must name the answers it reads, not walk them all")

    def __len__(self) -> int:
        return len(self.data)


def full_answers(dags: Path) -> tuple[dict[str, Any], Settings]:
    """Every question answered, the upstream DAG on disk and resources set: every branch of
    every check is taken."""
    from helpers import write_dag

    write_dag(dags, dag_id="extract", schedule="0 5 * * *", task_id="load")
    settings_ = Settings(output_dir=dags)
    answers, _ = resolve({"dag_id": "report", "image": "busybox:1.36", "schedule": "30 6 * * *",
                          "external_dag_id": "extract", "external_task_id": "load", "external_delta_minutes": 90,
                          "cpu_request": "250m", "memory_request": "1Gi", "cpu_limit": "1",
                          "memory_limit": "2Gi", "start_date": "2026-01-01"}, settings_)  # fmt: skip
    task = {**answers["tasks"][0], "resources": True, "pod_options": True, "more_tasks": False}
    return {**answers, "upstream": True, "run_options": True, **task, "tasks": [task]}, settings_


def test_depends_on_names_every_answer_a_question_reads(dags_dir: Path) -> None:
    """The review asks again the questions whose depends_on names a changed answer: every key
    that ``when``, the default or the check reads must be listed, and come earlier."""
    answers, settings_ = full_answers(dags_dir)
    order = [q.key for q in QUESTIONS]
    for question in QUESTIONS:
        before = {key: answers[key] for key in order[: order.index(question.key)]}
        seen = Reading(before)
        question.when(seen)
        question.default_for(seen, settings_)
        if question.check is not None:
            question.check(answers[question.key], seen, settings_)
        read = seen.read - {"tasks"}  # the tasks before this one: settled before it is asked
        assert read <= set(question.depends_on), (question.key, read - set(question.depends_on))
        assert all(order.index(key) < order.index(question.key) for key in question.depends_on), question.key


def test_review_summary_groups_answers_and_ends_with_the_task_graph(dags_dir: Path) -> None:
    from createdag.review import summary

    answers, settings_ = full_answers(dags_dir)
    groups, _ = summary(answers, settings_)
    names = [group for group, _ in groups]
    assert names == [*dict.fromkeys(q.group for q in QUESTIONS if q.scope == "dag"), "Task", "Tasks"]
    lines = dict(groups)
    assert any(line.startswith("Upstream dag_id") and line.endswith("extract") for line in lines["Upstream DAG"])
    assert any(line.endswith("No") for line in lines["Schedule"])  # catchup, as yes/no
    assert lines["Tasks"] == ["wait_for_upstream ───> main", "wait_for_upstream: waits for extract.load"]


def test_folded_review_shows_what_differs_from_the_defaults_and_fits_one_screen(dags_dir: Path) -> None:
    """Four tasks (a fan-out of two between two), resources set, and an upstream sensor: folded,
    the review's lines, with its heading and the question under it (five lines), fit a 40-line
    terminal."""
    from createdag.review import summary

    answers, settings_ = full_answers(dags_dir)
    first = answers["tasks"][0]
    tasks = [{**first, "task_id": "extract", "after": []}]
    tasks += [{**first, "task_id": f"part_{n}", "after": ["extract"]} for n in range(2)]
    tasks.append({**first, "task_id": "load", "after": [f"part_{n}" for n in range(2)]})
    answers = {**answers, "tasks": tasks}
    groups, notices = summary(answers, settings_, folded=True, width=100)
    lines = [title for title, _ in groups] + [line for _, body in groups for line in body] + notices
    assert len(lines) + 1 + 5 <= 40, "\n".join(lines)
    assert all(len(line) + 4 <= 100 for _, body in groups for line in body)
    titles = dict(groups)
    assert "Runs: 4 at the defaults" in titles  # a group at its defaults is one line
    assert titles["DAG (and 3 at the defaults)"] == ["DAG id                               report"]
    every, _ = summary(answers, settings_, folded=False)
    assert sum(map(len, (body for _, body in every))) > 3 * sum(map(len, (body for _, body in groups)))


@pytest.mark.parametrize("image, pinned", [
    ("busybox:1.36", True), ("ghcr.io/acme/etl:1.4.2", True), ("registry:5000/etl:2", True),
    ("ghcr.io/acme/etl@sha256:" + "a" * 64, True), ("etl:latest@sha256:" + "b" * 64, True),
    ("busybox", False), ("busybox:latest", False), ("registry:5000/etl", False), ("ghcr.io/a/b:latest", False),
])  # fmt: skip
def test_pinned_images(image: str, pinned: bool) -> None:
    assert (images.unpinned(image) is None) == pinned


def test_unpinned_image_is_a_notice_from_every_source_and_a_refusal_when_the_team_says_so(tmp_path: Path) -> None:
    _, notices = resolve({"dag_id": "a", "image": "busybox"}, Settings(output_dir=tmp_path))
    assert any("'busybox' has no tag" in notice for notice in notices)
    (tmp_path / ".create_dag.toml").write_text("require_pinned_image = true\n")
    from createdag.settings import settings_for

    strict = settings_for(tmp_path / "dags")
    with pytest.raises(InvalidAnswers, match=r"uses :latest.*rule from"):
        resolve({"dag_id": "a", "image": "busybox:latest"}, strict)
    assert resolve({"dag_id": "a", "image": "busybox:1.36"}, strict)[1] == []


def test_owner_default_is_git_then_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    identity.git_user_name.cache_clear()
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "user.name", "Ada Lovelace"], check=True)
    assert identity.default_owner(tmp_path / "dags") == "Ada Lovelace"  # the folder need not exist
    assert identity.default_owner(tmp_path, allowed=("ops", "Ada Lovelace")) == "Ada Lovelace"
    assert identity.default_owner(tmp_path, allowed=("ops",)) == "ops"
    identity.git_user_name.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    assert identity.default_owner(tmp_path) == identity.login_name()
    identity.git_user_name.cache_clear()


def test_team_config_owner_wins_over_git(tmp_path: Path) -> None:
    (tmp_path / ".create_dag.toml").write_text("owner = 'data-team'\n")
    from createdag.settings import settings_for

    assert BY_KEY["owner"].default_for({}, settings_for(tmp_path / "dags")) == "data-team"


texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(description=texts, owner=texts.filter(lambda s: s.strip()), suffix=st.sampled_from([".yaml", ".json", ".yml"]),
       schedule=st.sampled_from(["30 6 * * 1-5", None, "@daily", "0 0 * * *"]),
       words=st.lists(st.sampled_from(["yes", "no", "on", "null", "1", "2026-01-01", "{{ ds }}", "a b", "#x"]),
                      max_size=3))  # fmt: skip
def test_saved_answers_read_back_to_the_same_answers(tmp_path: Path, description: str, owner: str, suffix: str,
                                                     schedule: str | None, words: list[str]) -> None:
    from createdag.sources import load_answers_file

    settings_ = Settings(output_dir=tmp_path / "dags")
    answers, _ = resolve({"dag_id": "saved", "image": "busybox:1.36", "description": description, "owner": owner,
                          "schedule": schedule, "arguments": words, "start_date": "2026-01-15"}, settings_)  # fmt: skip
    path = tmp_path / f"answers{suffix}"
    session.save_answers(path, [answers])
    assert resolve(load_answers_file(path)[0], settings_)[0] == answers


def test_kept_answers_live_in_the_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    dags = tmp_path / "dags"
    with pytest.raises(UserError, match="no answers kept"):
        session.load_kept(dags)
    path = session.keep({"dag_id": "halfway", "upstream": True, "retries": 3}, dags)
    assert path.parent == tmp_path / "xdg" / "create_dag" and not dags.exists()
    assert session.load_kept(dags) == ({"dag_id": "halfway", "upstream": True, "retries": 3}, path)
    assert session.kept_path(tmp_path / "other") != path  # one file per dags folder
    session.forget(dags)
    assert not path.exists()
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert session.cache_dir() == Path.home() / ".cache" / "create_dag"


def test_resume_without_the_questions_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), "--resume", "--no-input", "--set", "dag_id=x"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert result.returncode == 1 and "--resume goes on with the questions" in result.stderr


def test_after_writing_the_record_and_the_next_steps_are_listed(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), "--no-input", "--set", "dag_id=told", "--set",
         "image=busybox:1.36"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert "wrote dags/.create_dag/told.json (the DAG's record: create_dag.py update re-renders" in err
    assert "commit it with the DAG" in err
    assert "git add dags/teams_alerts.py dags/.airflowignore dags/told.py dags/.create_dag/told.json && git commit" in err
    assert "python create_dag.py check" in err and "Teams connection msteams_webhook_url" in err


@pytest.mark.parametrize("command", ["", "init", "check", "update", "adopt"])
def test_every_help_reads_as_plain_text(command: str) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "create_dag.py"), *command.split(), "--help"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, check=True,
    )  # fmt: skip
    for markup in ("``", ":func:", ":class:", ":mod:", ".. "):
        assert markup not in result.stdout, (command, markup)



def test_tab_completes_from_known_answers(dags_dir: Path) -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from createdag.prompt import KnownAnswers

    answers, settings_ = full_answers(dags_dir)

    def completions(key: str, typed: str) -> list[str]:
        complete = BY_KEY[key].complete
        assert complete is not None
        known = KnownAnswers(lambda: complete(answers, settings_))
        return [c.text for c in known.get_completions(Document(typed), CompleteEvent(completion_requested=True))]

    assert completions("timezone", "Europe/Par") == ["Europe/Paris"]
    assert completions("timezone", "paris") == ["Europe/Paris"]  # within the name, any case
    assert completions("schedule", "@d") == ["@daily"]
    assert completions("external_dag_id", "") == ["extract"]  # the DAGs in the folder, not this one
    assert completions("external_task_id", "") == ["load"]  # the upstream's tasks
