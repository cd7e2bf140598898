"""Validated answers in, formatted DAG source out: cookiecutter, then black, then ast.

Rendering is a pure step: it writes only inside a temporary folder of its own
and returns text; ``output`` decides where text lands. cookiecutter and black
are imported here, on first use, so the prompt never waits for them.

Why ``generate_files`` rather than ``cookiecutter()``: the latter passes every
context value through Jinja again (``prompt.render_variable``), so a
description containing ``{{ 7 * 7 }}`` would come out as ``49``. Our answers
are already final; they go to the template as data, and the template writes
each one through the ``py_literal`` filter.
"""

from __future__ import annotations

import ast
import functools
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from createdag import resources
from createdag.errors import RenderError
from createdag.questions import ALERTS_MODULE


@functools.cache
def _template_defaults(template_dir: Path) -> dict[str, Any]:
    """cookiecutter.json as cookiecutter reads it (private keys like _extensions included)."""
    from cookiecutter.generate import generate_context

    return generate_context(context_file=str(template_dir / "cookiecutter.json"))["cookiecutter"]


def template_context(answers: Mapping[str, Any], template_dir: Path) -> dict[str, Any]:
    """The cookiecutter context: the template's own keys, overlaid with the answers."""
    context = dict(_template_defaults(template_dir))
    unknown = set(answers) - set(context)
    if unknown:
        raise RenderError(f"dag_template/cookiecutter.json lacks keys {sorted(unknown)}: add them there")
    context.update(answers)
    context.setdefault("alerts_module", ALERTS_MODULE)
    return context


def render_raw(answers: Mapping[str, Any], template_dir: Path | None = None) -> str:
    """Run cookiecutter on the template and return the DAG file it produced, unformatted."""
    from cookiecutter.generate import generate_files
    from cookiecutter.main import _patch_import_path_for_repo

    template_dir = template_dir or resources.template_dir()
    context = {"cookiecutter": template_context(answers, template_dir)}
    with tempfile.TemporaryDirectory(prefix="create_dag-") as scratch:
        # local_extensions.py lives in the template folder: put it on sys.path
        # the way cookiecutter() does before it calls generate_files.
        with _patch_import_path_for_repo(str(template_dir)):
            project = generate_files(
                repo_dir=str(template_dir), context=context, output_dir=scratch, accept_hooks=False
            )
        dag_id = context["cookiecutter"]["dag_id"]
        return (Path(project) / f"{dag_id}.py").read_text(encoding="utf-8")


@functools.cache
def _black_mode() -> Any:
    import black

    return black.Mode(target_versions={black.TargetVersion.PY310})


def format_source(source: str) -> str:
    """black, then a syntax check: what is written is always valid, formatted Python."""
    import black

    try:
        formatted = black.format_str(source, mode=_black_mode())
    except black.InvalidInput as exc:
        raise RenderError(f"the template produced invalid Python ({exc}): this is a bug in dag_template/") from exc
    try:
        ast.parse(formatted)
    except SyntaxError as exc:  # pragma: no cover - black already parsed it
        raise RenderError(f"the rendered DAG does not parse: {exc}") from exc
    return formatted


def render_dag(answers: Mapping[str, Any], template_dir: Path | None = None) -> str:
    """The finished DAG file for a set of validated answers."""
    return format_source(render_raw(answers, template_dir))
