"""Run ``migrate`` over the real DAG files of ``../shared/corpus`` (test data, never copied into
the repo) and load what it writes with the installed Airflow: shared by the corpus test and
``bench``. Each repository's Airflow 1.10/2 files and its support modules are laid out again
as in their repository, in a temporary folder."""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from helpers import CORPUS

from createdag import migrate
from createdag.codemods import structure


@dataclass
class CorpusResult:
    eligible: list[str] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # provider or library not installed
    silent: list[str] = field(default_factory=list)  # changed with no finding saying so


def _missing_module(source: str) -> str | None:
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            top = ".".join(name.split(".")[:3]) if name.startswith("airflow.providers.") else name.split(".")[0]
            if top.startswith("airflow.providers.") or top in ("airflow",):
                try:
                    if importlib.util.find_spec(top) is None:
                        return top
                except ModuleNotFoundError:
                    return top
    return None


def variables(source: str) -> dict[str, str]:
    """``Variable.get("name")`` read at parse time: a placeholder each, as the deployment set them."""
    import ast

    found = {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    for node in ast.walk(tree):
        if (  # os.environ["NAME"], as the deployment set it
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            found[node.slice.value] = "placeholder"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "Variable"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found[f"AIRFLOW_VAR_{node.args[0].value.upper()}"] = "placeholder"
    return found


def broken_original(source: str, error: str) -> str | None:
    """Why the original could not have loaded in Airflow 2 either (None: it could)."""
    import ast
    import re

    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return f"the original does not parse ({exc.msg})"
    missing = re.match(r"NameError: name '(\w+)' is not defined", error)
    if missing:
        bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        bound |= {
            (a.asname or a.name).split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in n.names
        }
        if missing.group(1) not in bound:
            return f"the original never defines {missing.group(1)}"
    return None


#: Load errors that come from the place a file ran, not from Airflow 3: a module of its own repository
#: the corpus does not hold, a file or the network read at parse time.
_ENVIRONMENT = (
    "No such file or directory",
    "ConnectionError",
    "NameResolutionError",
    "No module named 'tests.system'",
    "No module named 'lib.",
    "placeholder",
    "VARIABLE_NOT_FOUND",
    "isn't defined",
)


def layout(tmp: Path) -> dict[Path, tuple[str, Path]]:
    """The era 1.10/2 files under ``tmp/<repo>/<path>``: laid-out path -> (corpus name, corpus file)."""
    rows = list(csv.DictReader((CORPUS / "SOURCES.tsv").open(encoding="utf-8"), delimiter="\t"))
    files: dict[Path, tuple[str, Path]] = {}
    for row in rows:
        only = os.environ.get("CORPUS_ONLY")  # a few repositories, while working on them
        if row["era"] not in ("1.10", "2") or (only and row["file"].split("/")[0] not in only.split(",")):
            continue
        folder = row["file"].split("/")[0]
        target = tmp / folder / row["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / row["file"], target)
        files[target] = (row["file"], CORPUS / row["file"])
        support = CORPUS / folder / "support"
        if support.is_dir():
            shutil.copytree(support, tmp / folder, dirs_exist_ok=True)
    return files


def run(tmp: Path) -> CorpusResult:
    files = layout(tmp)
    result = CorpusResult()
    outcome = migrate.migrate(sorted(files), check=False)
    by_path = {o.path: o for o in outcome.files}
    groups: dict[Path, list[Path]] = {}
    for path in files:
        groups.setdefault(path.parent, []).append(path)
    loaded: dict[str, dict] = {}
    for folder, paths in groups.items():
        if not (folder / "teams_alerts.py").exists():
            from createdag.create import install_alerts_module

            install_alerts_module(folder)
        repo = tmp / files[paths[0]][0].split("/")[0]
        env = {k: v for path in repo.rglob("*.py") for k, v in variables(path.read_text(encoding="utf-8")).items()}
        env = {k: v for k, v in env.items() if k not in os.environ}
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            loaded.update(structure.load(folder, paths))
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    for path, (name, original) in sorted(files.items()):
        source = original.read_text(encoding="utf-8")
        now = path.read_text(encoding="utf-8")
        missing = _missing_module(now)
        error = loaded.get(str(path.resolve()), {}).get("error") or ""
        provider = re.search(r"No module named '(airflow\.providers\.\w+)", error)
        if provider and importlib.util.find_spec(provider.group(1)) is None:
            missing = provider.group(1)
        if missing:
            result.skipped[name] = f"{missing} is not installed"
            continue
        outcome_of = by_path.get(path)
        if outcome_of and now != source and (not outcome_of.findings or outcome_of.result.blocked):
            result.silent.append(name)  # changed with nothing said, or written although blocked
        got = loaded.get(str(path.resolve()), {"error": "not loaded", "dags": {}})
        why = broken_original(source, got["error"] or "")
        if got["error"] and (why or any(marker in got["error"] for marker in _ENVIRONMENT)):
            result.skipped[name] = why or f"needs its deployment: {got['error'][:120]}"
            continue
        result.eligible.append(name)
        if got["error"]:
            blockers = [f.message for f in (outcome_of.findings if outcome_of else []) if f.kind == "blocker"]
            result.failures[name] = f"{got['error']}" + (f" (blocked: {blockers[0]})" if blockers else "")
            continue
        try:
            static = structure.read(source)
        except SyntaxError:
            static = {}
        problems = structure.compare(static, got["dags"])
        if not got["dags"]:
            problems.append("no DAG loaded")
        if problems:
            result.failures[name] = "; ".join(problems)
        else:
            result.same.append(name)
    return result


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        found = run(Path(tmp))
    print(
        f"eligible {len(found.eligible)}, same {len(found.same)}, skipped {len(found.skipped)}, silent {found.silent}"
    )
    for name, why in sorted(found.failures.items()):
        print("FAIL", name, why[:300])
    if "-v" in sys.argv:
        for name, why in sorted(found.skipped.items()):
            print("SKIP", name, why)
