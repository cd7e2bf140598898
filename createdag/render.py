"""Validated answers in, formatted DAG source out: cookiecutter's Jinja, then black, then ast.

Rendering is a pure step: it returns text; ``output`` decides where text
lands. cookiecutter, Jinja and black are imported here, on first use, so the
prompt never waits for them.

Two ways through the same template, with the same output byte for byte:

* ``Renderer`` (used for every DAG create_dag writes) loads the template
  once: cookiecutter's own ``StrictEnvironment`` built the way
  ``generate_files`` builds it (the template's ``_extensions`` loaded from its
  folder, ``keep_trailing_newline``), the template folder walked once, every
  file and file-name template compiled once. Each DAG is then one Jinja
  render in memory: no temporary folder, no walk, no write and read back.
  A batch of a thousand DAGs pays the set-up once.
* ``render_raw_cookiecutter`` runs cookiecutter's ``generate_files`` into a
  temporary folder, as the ``cookiecutter`` command does. It is the reference
  the fast path is tested against (tests/test_render_batch.py) and proof
  that dag_template/ stays a plain cookiecutter template.

Why never ``cookiecutter()``: it passes every context value through Jinja
again (``prompt.render_variable``), so a description containing
``{{ 7 * 7 }}`` would come out as ``49``. Our answers are already final; they
go to the template as data, and the template writes each one through the
``py_literal`` filter.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import sys
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from createdag import resources
from createdag.errors import RenderError
from createdag.questions import ALERTS_MODULE


@functools.cache
def _template_defaults(template_dir: Path) -> dict[str, Any]:
    """cookiecutter.json as cookiecutter reads it (private keys like _extensions included).

    The same as ``cookiecutter.generate.generate_context(...)["cookiecutter"]``
    with no user config (a test holds the two equal), without importing
    cookiecutter.generate and what it pulls in.
    """
    path = template_dir / "cookiecutter.json"
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle, object_pairs_hook=OrderedDict)
    except (OSError, ValueError) as exc:
        raise RenderError(f"cannot read {path}: {exc}") from exc


def template_context(answers: Mapping[str, Any], template_dir: Path) -> dict[str, Any]:
    """The cookiecutter context: the template's own keys, overlaid with the answers."""
    context = dict(_template_defaults(template_dir))
    unknown = set(answers) - set(context)
    if unknown:
        raise RenderError(f"dag_template/cookiecutter.json lacks keys {sorted(unknown)}: add them there")
    context.update(answers)
    context.setdefault("alerts_module", ALERTS_MODULE)
    return context


@contextmanager
def _template_on_sys_path(template_dir: Path) -> Iterator[None]:
    """What ``cookiecutter.main._patch_import_path_for_repo`` does: the template's
    folder on ``sys.path`` while its ``_extensions`` (local_extensions.py) load."""
    saved = list(sys.path)
    sys.path.append(str(template_dir))
    try:
        yield
    finally:
        sys.path[:] = saved


def _universal_newlines(text: str, newline: str) -> str:
    """What writing with ``newline`` and reading back in text mode does to ``text``."""
    if newline != "\n":
        text = text.replace("\n", newline)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


class Renderer:
    """The template, loaded once; ``raw(answers)`` renders one DAG file to text.

    Built like ``cookiecutter.generate.generate_files`` builds its environment
    (``create_env_with_context``, ``find_template``, ``FileSystemLoader`` rooted
    at the project folder), so the text is what cookiecutter would write.
    """

    def __init__(self, template_dir: Path | None = None) -> None:
        from cookiecutter.environment import StrictEnvironment
        from cookiecutter.find import find_template
        from jinja2 import FileSystemLoader, UndefinedError

        self.template_dir = Path(template_dir or resources.template_dir()).resolve()
        defaults = _template_defaults(self.template_dir)
        context = {"cookiecutter": defaults}
        with _template_on_sys_path(self.template_dir):
            env = StrictEnvironment(
                context=context, keep_trailing_newline=True, **defaults.get("_jinja2_env_vars", {})
            )
        project = find_template(str(self.template_dir), env)
        env.loader = FileSystemLoader([str(project), str(project / ".." / "templates")])
        self.env = env
        self._undefined = UndefinedError
        # One walk of the project folder, now; each file's name and content
        # templates compiled once. Hooks are not run (generate_files is called
        # with accept_hooks=False too); dag_template/ has none.
        self.files = []
        for root, dirs, names in os.walk(project):
            dirs.sort()
            for name in sorted(names):
                relative = os.path.relpath(os.path.join(root, name), project)
                self.files.append(
                    (env.from_string(relative), env.get_template(relative.replace(os.path.sep, "/")),
                     _newline_of(os.path.join(root, name), defaults))
                )  # fmt: skip

    def raw(self, answers: Mapping[str, Any]) -> str:
        """The DAG file for ``answers``, as cookiecutter writes it: unformatted."""
        values = template_context(answers, self.template_dir)
        dag_file = f"{values['dag_id']}.py"
        try:
            for name, template, file_newline in self.files:
                if name.render(cookiecutter=values) == dag_file:
                    text, newline = template.render(cookiecutter=values), file_newline
                    break
            else:
                raise RenderError(f"{self.template_dir} has no file named {dag_file} for these answers")
        except self._undefined as exc:
            raise RenderError(f"the template uses an unknown variable: {exc}") from exc
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise RenderError(f"the rendered DAG is not valid UTF-8 text ({exc.reason})") from exc
        return _universal_newlines(text, newline)

    def render(self, answers: Mapping[str, Any]) -> str:
        """The finished DAG file: rendered, black-formatted, syntax-checked."""
        return format_source(self.raw(answers))


def _newline_of(path: str, defaults: Mapping[str, Any]) -> str:
    """The newline generate_file writes with: ``_new_lines``, else the file's first one."""
    if defaults.get("_new_lines"):
        return defaults["_new_lines"]
    with open(path, encoding="utf-8") as handle:
        handle.readline()
        found = handle.newlines
    found = found[0] if isinstance(found, tuple) else found
    return found or os.linesep


@functools.cache
def _renderer(template_dir: Path) -> Renderer:
    return Renderer(template_dir)


def renderer(template_dir: Path | None = None) -> Renderer:
    """The ``Renderer`` of ``template_dir`` (default: dag_template/), built once per process."""
    return _renderer(Path(template_dir or resources.template_dir()).resolve())


def render_raw(answers: Mapping[str, Any], template_dir: Path | None = None) -> str:
    """The DAG file for ``answers``, unformatted, through the loaded template."""
    return renderer(template_dir).raw(answers)


def render_raw_cookiecutter(answers: Mapping[str, Any], template_dir: Path | None = None) -> str:
    """The same text through cookiecutter's ``generate_files`` and a temporary folder.

    The reference for ``render_raw``; slow (a new Jinja environment, a folder
    walk and a file written and read back each time), so not used for output.
    """
    from cookiecutter.generate import generate_files

    template_dir = Path(template_dir or resources.template_dir()).resolve()
    context = {"cookiecutter": template_context(answers, template_dir)}
    with tempfile.TemporaryDirectory(prefix="create_dag-") as scratch:
        with _template_on_sys_path(template_dir):
            project = generate_files(
                repo_dir=str(template_dir), context=context, output_dir=scratch, accept_hooks=False
            )
        dag_id = context["cookiecutter"]["dag_id"]
        return (Path(project) / f"{dag_id}.py").read_text(encoding="utf-8")


@functools.cache
def _black_mode() -> Any:
    """The one black configuration, built once and shared by every file."""
    import black

    return black.Mode(target_versions={black.TargetVersion.PY310})


def format_source(source: str) -> str:
    """black, then a syntax check: what is written is always valid, formatted Python.

    black runs unless ``is_black_already`` proves it would return the text
    unchanged (most DAGs: the template writes black's layout), which halves
    the cost of a big batch; tests/test_render_batch.py holds the two paths equal.
    """
    import black

    if is_black_already(source):
        formatted = source
    else:
        try:
            formatted = black.format_str(source, mode=_black_mode())
        except black.InvalidInput as exc:
            raise RenderError(
                f"the template produced invalid Python ({exc}): this is a bug in dag_template/"
            ) from exc
    try:
        ast.parse(formatted)
    except SyntaxError as exc:  # pragma: no cover - black already parsed it
        raise RenderError(f"the rendered DAG does not parse: {exc}") from exc
    return formatted


def is_black_already(source: str) -> bool:
    """Whether black would leave the template's output as it is.

    The template writes black's own layout: magic trailing commas wherever it
    splits a call or a collection, a single-line form where black would join
    (the notifier lists), so black changes a file only where a line is too
    long for it. True, then, when every line fits in black's width (as black
    measures it: wide characters count two), nothing but spaces indents, no
    line ends in white space, no string holds an escaped quote (black may
    swap its quotes), and no run of blank lines is longer than black keeps.
    Anything else goes through black.
    """
    from black.strings import str_width

    if "\r" in source or "\t" in source or "\\'" in source or "\n\n\n\n" in source or "\n\n\n " in source:
        return False
    if not source.endswith("\n") or source.endswith("\n\n"):
        return False
    width = _black_mode().line_length
    for line in source.splitlines():
        if line != line.rstrip() or (len(line) > width // 2 and str_width(line) > width):
            return False
    return True


def render_dag(answers: Mapping[str, Any], template_dir: Path | None = None) -> str:
    """The finished DAG file for a set of validated answers."""
    return renderer(template_dir).render(answers)
