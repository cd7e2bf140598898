"""Where the template, the Airflow-side alert module and the repo files live.

In the repository, ``dag_template/`` and ``hooks/`` sit at the top, so that
they can be read, reviewed and run on their own. A wheel maps those folders
into the package (``createdag/dag_template``, ``createdag/hooks``, ``createdag/docs``: see
``[tool.setuptools.package-dir]`` in ``pyproject.toml``), so an installed
tool needs no clone. Each lookup tries the package first, then the top of the
clone, which covers a wheel, an editable install and ``python create_dag.py``
alike.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from createdag.errors import MissingResource

#: The top of a clone: where ``dag_template/`` and ``hooks/`` are when not installed from a wheel.
CLONE_ROOT = Path(__file__).resolve().parent.parent
#: Where create-dag's source is published: the dags repo's pre-commit hooks come from here
#: (``.pre-commit-hooks.yaml``), tagged ``v<version>``. Kept equal to ``Source`` in
#: ``[project.urls]`` by a test; change both when the tool moves (or is mirrored).
SOURCE_REPO = "https://github.com/acme/create_dag"
ALERTS_FILE = "teams_alerts.py"
INTEGRITY_TEST = "test_dag_integrity.py"


def _find(folder: str, marker: str) -> Path:
    """The folder ``folder`` of the package (a wheel) or of the clone, whichever holds ``marker``.

    The package is asked through ``importlib.resources``; cookiecutter and the
    source reader need a real directory, which every pip install provides
    (a zipped install would not, and is refused by name).
    """
    packaged = resources.files("createdag") / folder
    candidates = [packaged] if isinstance(packaged, Path) else []
    candidates.append(CLONE_ROOT / folder)
    for candidate in candidates:
        if (candidate / marker).is_file():
            return candidate
    tried = ", ".join(str(c / marker) for c in candidates)
    raise MissingResource(f"create_dag's {folder}/ is missing (looked for {tried}): reinstall create-dag")


def template_dir() -> Path:
    """The cookiecutter template every DAG is rendered from."""
    return _find("dag_template", "cookiecutter.json")


def alerts_module_source() -> str:
    """The alert module generated DAGs import, as shipped in ``hooks/``."""
    return (_find("hooks", ALERTS_FILE) / ALERTS_FILE).read_text(encoding="utf-8")


def integrity_test_path() -> Path:
    """The DAG integrity test ``init`` writes into a dags repo and ``check`` runs."""
    return _find("repo_files", INTEGRITY_TEST) / INTEGRITY_TEST


def docs_dir() -> Path:
    """The Markdown docs (``docs/`` of the clone, ``createdag/docs`` in a wheel), for ``docs TOPIC``."""
    return _find("docs", "usage.md")


def template_extensions():  # -> the module dag_template/local_extensions.py
    """The template's Jinja filters as a module, loaded once: the rules the template
    writes by (the order of dependency lines, say) for create_dag to show them too."""
    import importlib.util
    import sys

    name = "createdag._template_extensions"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, template_dir() / "local_extensions.py")
        if spec is None or spec.loader is None:  # pragma: no cover - the file is shipped
            raise MissingResource("dag_template/local_extensions.py cannot be loaded: reinstall create-dag")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def doc_topics() -> dict[str, Path]:
    """Every shipped doc by topic name (its file name without .md), in name order: what
    ``docs TOPIC`` reads and completion offers."""
    return {path.stem: path for path in sorted(docs_dir().glob("*.md"))}
