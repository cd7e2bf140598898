"""Run ``migrate`` over the real DAG files of ``../shared/corpus`` (test data, never copied into
the repo) and load what it writes with the installed Airflow: shared by the corpus test and
``bench``. Each repository's Airflow 1.10/2 files and its support modules are laid out again
as in their repository, in a temporary folder."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from createdag import migrate
from createdag.codemods import structure

import os

#: ``../shared/corpus`` beside the clone (CI), or where CREATEDAG_CORPUS says (a git worktree elsewhere).
CORPUS = Path(os.environ.get("CREATEDAG_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")


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


def layout(tmp: Path) -> dict[Path, tuple[str, Path]]:
    """The era 1.10/2 files under ``tmp/<repo>/<path>``: laid-out path -> (corpus name, corpus file)."""
    rows = list(csv.DictReader((CORPUS / "SOURCES.tsv").open(encoding="utf-8"), delimiter="\t"))
    files: dict[Path, tuple[str, Path]] = {}
    for row in rows:
        if row["era"] not in ("1.10", "2"):
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
        loaded.update(structure.load(folder, paths))
    for path, (name, original) in sorted(files.items()):
        source = original.read_text(encoding="utf-8")
        now = path.read_text(encoding="utf-8")
        missing = _missing_module(now)
        if missing:
            result.skipped[name] = f"{missing} is not installed"
            continue
        outcome_of = by_path.get(path)
        if outcome_of and now != source and not outcome_of.findings:
            result.silent.append(name)
        result.eligible.append(name)
        got = loaded.get(str(path.resolve()), {"error": "not loaded", "dags": {}})
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
    print(f"eligible {len(found.eligible)}, same {len(found.same)}, skipped {len(found.skipped)}, silent {found.silent}")
    for name, why in sorted(found.failures.items()):
        print("FAIL", name, why[:300])
    if "-v" in sys.argv:
        for name, why in sorted(found.skipped.items()):
            print("SKIP", name, why)
