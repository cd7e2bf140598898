"""Each option is declared once, in ``createdag/questions.py``; every other table derives from it.

The files that must stay on disk (the template's ``cookiecutter.json`` and the
generated tables of its ``local_extensions.py``, the options table of
docs/usage.md) are written from the table by ``python -m createdag.derived``:
the first test fails when one is stale. The others hold the declarations
complete: every answer says where it lives in the DAG and has examples, and the
tables of the readers, migrate and the team config are the table's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from createdag import config, derived, questions
from createdag.questions import ANSWER_KEYS, BY_KEY, POD_OPTIONS, QUESTIONS, TASK_QUESTIONS

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["dag_template/cookiecutter.json", "dag_template/local_extensions.py",
                                  "docs/usage.md"])  # fmt: skip
def test_the_derived_files_are_not_stale(name: str) -> None:
    files = derived.derived_files(REPO / "dag_template", REPO / "docs" / "usage.md")
    path = REPO / name
    assert path.read_text(encoding="utf-8") == files[path], f"{name} is stale: run python -m createdag.derived"


def test_the_generator_rewrites_a_stale_file(tmp_path: Path) -> None:
    template = tmp_path / "dag_template"
    template.mkdir()
    (template / "cookiecutter.json").write_text("{}\n", encoding="utf-8")
    extensions = (REPO / "dag_template" / "local_extensions.py").read_text(encoding="utf-8")
    stale = extensions.replace("'service_account_name'", "'stale_option'")
    (template / "local_extensions.py").write_text(stale, encoding="utf-8")
    changed = derived.write(template, None)
    assert sorted(path.name for path in changed) == ["cookiecutter.json", "local_extensions.py"]
    assert (template / "local_extensions.py").read_text(encoding="utf-8") == extensions
    assert derived.write(template, None) == []


def test_every_answer_says_where_it_lives_in_the_dag_and_has_examples() -> None:
    for question in QUESTIONS:
        if question.prompt_only:
            assert question.place is None, f"{question.key} is asked to steer the prompt: it is never written"
            continue
        assert question.place is not None, f"{question.key}: no place= (where it lives in the DAG)"
        if question.kind != "tasks":  # "runs after" draws from the tasks before it
            assert len(question.examples) >= 2, f"{question.key}: examples= needs two values or more"


def test_every_example_passes_its_own_kind() -> None:
    """An example is a validated answer: its kind reads it back as itself (typed, from a file)."""
    from createdag.kinds import KINDS

    for question in QUESTIONS:
        for example in question.examples:
            if example is None:
                assert question.none_ok, question.key
                continue
            assert KINDS[question.kind].parse(question, example) == example, (question.key, example)


def test_the_team_config_settings_are_the_questions() -> None:
    from_questions = {key: kind for key, (kind, question) in config._SETTINGS.items() if question}
    assert from_questions == questions.TEAM_SETTINGS
    assert all(key == question for key, (_, question) in config._SETTINGS.items() if question)
    assert {q.key for q in POD_OPTIONS} <= set(from_questions)  # every pod option is a team default
    assert not set(config._OWN_SETTINGS) & set(ANSWER_KEYS)


def test_the_pod_option_tables_are_the_questions() -> None:
    from createdag import pipeline_source

    assert {q.key: q.default for q in POD_OPTIONS} == pipeline_source.POD_OPTION_DEFAULTS
    for question in TASK_QUESTIONS:
        if question.place and question.place.on == "pod" and not question.place.field:
            argument = question.place.argument
            if question.place.form != "built" and question.key != "task_id":  # the task's id: read first
                assert pipeline_source.POD_ARGUMENT_OF.get(question.key, question.key) == argument
                assert argument in pipeline_source.POD_READERS, f"{argument}: the reader cannot read it back"


def test_the_template_writes_the_pod_options_in_the_tables_order() -> None:
    from createdag import resources

    extensions = resources.template_extensions()
    assert [row[0] for row in extensions.POD_OPTIONS] == [q.key for q in POD_OPTIONS]
    assert tuple(q.key for q in TASK_QUESTIONS if not q.prompt_only) == extensions.TASK_KEYS


def test_help_lists_every_key() -> None:
    from createdag.cli import _epilog

    text = " ".join(_epilog().split())
    for key in ANSWER_KEYS:
        assert key in text, key


def test_the_docs_table_is_the_questions() -> None:
    table = derived.options_table()
    for key in ANSWER_KEYS:
        assert f"| `{key}` |" in table
        assert BY_KEY[key].help.replace("|", "\\|") in table
