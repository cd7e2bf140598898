"""The files derived from the question table, written from it: ``python -m createdag.derived``.

The template must stay a plain cookiecutter template that runs without
create_dag installed, so what it needs of the table is on disk:
``dag_template/cookiecutter.json`` (every answer's slot and default) and the
generated block of ``dag_template/local_extensions.py`` (the task keys and the
pod options: their argument, shape, how they are written, their default). The
options table of ``docs/usage.md`` is generated too. tests/test_registry.py
fails when any of them is stale; this module rewrites them.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from createdag.questions import ALERTS_MODULE, QUESTIONS, Question

REPO = Path(__file__).resolve().parent.parent
#: answers cookiecutter.json holds as a JSON object (a dict variable cookiecutter asks nothing
#: for) rather than as JSON text: params were written so first, and a plain run takes either
_AS_OBJECT = frozenset({"params"})
#: the Jinja filters cookiecutter loads from local_extensions.py (``_extensions``)
EXTENSIONS = ("py_literal", "as_list", "as_bool", "as_int", "date_args", "pod_name", "task_variable", "pipeline",
              "as_dict", "k8s_args", "k8s_volume", "schedule_source", "pure_source", "carried_key",
              "carried_names", "expand_kwargs_names")  # fmt: skip
BEGIN = "# --- generated from createdag/questions.py by `python -m createdag.derived`: do not edit ---\n"
END = "# --- end of the generated tables ---\n"
TABLE_BEGIN = "<!-- options table: generated from createdag/questions.py by `python -m createdag.derived` -->\n"
TABLE_END = "<!-- end of the options table -->\n"


def _answers(questions: Iterable[Question]) -> list[Question]:
    return [q for q in questions if not q.prompt_only]


def _template_value(question: Question) -> Any:
    value = question.template_value
    if question.kind_of.shape in ("list", "mapping") and question.key not in _AS_OBJECT:
        return json.dumps(value)
    return value


def cookiecutter_json(questions: Iterable[Question] = QUESTIONS) -> str:
    """``dag_template/cookiecutter.json``: every answer with the value a plain cookiecutter run
    takes, the alert module beside the Teams connection, ``tasks``, what an adopted DAG keeps as
    written (none) and the extensions."""
    context: dict[str, Any] = {}
    for question in _answers(questions):
        context[question.key] = _template_value(question)
        if question.key == "teams_conn_id":
            context["alerts_module"] = ALERTS_MODULE
    context["tasks"] = "[]"
    context["_adopted"] = {}  # what an adopted DAG keeps as written (update.with_adopted); none here
    context["_extensions"] = [f"local_extensions.{name}" for name in EXTENSIONS]
    return json.dumps(context, indent=2, ensure_ascii=False) + "\n"


def extension_tables(questions: Iterable[Question] = QUESTIONS) -> str:
    """The generated block of ``dag_template/local_extensions.py``."""
    questions = tuple(questions)
    task_keys = [q.key for q in _answers(questions) if q.scope == "task"]
    pods = [q for q in questions if q.pod_option]
    lines = [
        BEGIN,
        "#: The answers of one pod task. A plain ``cookiecutter`` run has no ``tasks`` and makes\n",
        "#: one task of these keys; create_dag passes ``tasks``, each task with all of them.\n",
        "TASK_KEYS = (\n",
        *(f"    {key!r},\n" for key in task_keys),
        ")\n",
        "#: Each pod option, in the order the template writes them: (answer, the operator's argument,\n",
        "#: the value's shape, how it is written, its default, whether it is written when it is the\n",
        "#: default). A ``literal`` option is written as ``argument=<value>`` by the template's loop.\n",
        "POD_OPTIONS = (\n",
    ]
    for q in pods:
        assert q.place is not None, f"pod option {q.key} has no place in the DAG"
        row = (q.key, q.place.argument, q.kind_of.shape, q.place.form, q.default, q.place.always)
        lines.append(f"    {row!r},\n")
    lines += [")\n", END]
    return "".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _kind_words(question: Question) -> str:
    words = question.doc_kind or question.kind_of.described
    if question.kind == "choices" and not question.doc_kind:
        words = f"list: {', '.join(question.choices)}"
    return words + (", per task" if question.scope == "task" else "")


def _default_words(question: Question) -> str:
    if question.doc_default:
        return question.doc_default
    if question.default is None:
        return "required"
    return f"`{question.default!r}`" + (" (the team's are merged in)" if question.merges else "")


def options_table(questions: Iterable[Question] = QUESTIONS) -> str:
    """The options table of docs/usage.md: key, kind, default, help line."""
    rows = ["| key | kind | default | what it does |\n", "|---|---|---|---|\n"]
    for question in _answers(questions):
        cells = (f"`{question.key}`", _kind_words(question), _default_words(question), question.help)
        rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |\n")
    return TABLE_BEGIN + "".join(rows) + TABLE_END


def _replace_block(text: str, begin: str, end: str, block: str, where: Path) -> str:
    found = re.search(re.escape(begin) + r".*?" + re.escape(end), text, flags=re.DOTALL)
    if found is None:
        raise SystemExit(f"{where}: no generated block ({begin.strip()} ... {end.strip()}) to replace")
    return text[: found.start()] + block + text[found.end() :]


def derived_files(template_dir: Path, docs: Path | None) -> dict[Path, str]:
    """Each derived file and what it should hold, from the question table as it is now."""
    extensions = template_dir / "local_extensions.py"
    files = {
        template_dir / "cookiecutter.json": cookiecutter_json(),
        extensions: _replace_block(
            extensions.read_text(encoding="utf-8"), BEGIN, END, extension_tables(), extensions
        ),
    }
    if docs is not None:
        files[docs] = _replace_block(
            docs.read_text(encoding="utf-8"), TABLE_BEGIN, TABLE_END, options_table(), docs
        )
    return files


def write(template_dir: Path, docs: Path | None) -> list[Path]:
    """Rewrite the derived files that are stale; the ones rewritten."""
    changed = []
    for path, text in derived_files(template_dir, docs).items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main() -> int:
    changed = write(REPO / "dag_template", REPO / "docs" / "usage.md")
    for path in changed:
        print(f"wrote {path.relative_to(REPO)}")
    if not changed:
        print("the derived files are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
