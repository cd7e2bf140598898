"""Migrate Airflow 1.10/2 DAG files to Airflow 3 as they are written (issue 24).

Every ``.py`` file named or under a folder named, and the helper modules of the dags folder
those files import, goes through ``createdag.codemods``: parsed (libcst, never imported),
changed only where Airflow 3 and today's providers need it, each change and each blocker
reported with its line and a stable code. A file is migrated whole or not at all: one
blocker and nothing is written for it (all its blockers are listed, for the whole folder in
one run).

Where things go (docs/migrate.md): the migrated file takes the file's name and the Airflow 2
file is kept beside it as ``<file>.py.airflow2.bak`` (Airflow's DAG processor reads ``.py``
files only); with ``in_place`` no backup is kept, which is allowed only for a file committed,
unchanged, in a git work tree. ``check`` loads the migrated files with the installed Airflow
first (``codemods.structure``) and leaves untouched any file that would not load or whose
DAGs would change. ``adopt`` then takes each migrated pod DAG the template can represent into
the template (``createdag.adopt``), so ``update`` keeps it current.
"""

from __future__ import annotations

import ast
import difflib
import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag import scan as scan_folder
from createdag.codemods.base import Facts
from createdag.codemods.office365 import ALERT
from createdag.codemods.registry import FIXERS, RULES, FileResult, Finding, Rule, migrate_source
from createdag.codemods.structure import CHECK_CHANGED, CHECK_FAILED
from createdag.escape import printable

BACKUP_SUFFIX = ".airflow2.bak"

IN_PLACE_REFUSED = Rule("AIR3-in-place-refused", "blocker", "--in-place on a file git does not hold unchanged")
BACKUP_EXISTS = Rule(
    "AIR3-backup-exists", "blocker", "<file>.py.airflow2.bak exists already: the file is not migrated over it"
)
ADOPTED = Rule("AIR3-adopted", "change", "--adopt: the migrated DAG was taken into the template (recorded)")
NOT_ADOPTED = Rule(
    "AIR3-not-adopted",
    "review",
    "--adopt: the migrated DAG stays as written; what the template cannot represent is said",
)
FILE_RULES = (IN_PLACE_REFUSED, BACKUP_EXISTS, CHECK_FAILED, CHECK_CHANGED, ADOPTED, NOT_ADOPTED)
ALL_RULES: dict[str, Rule] = {**RULES, **{r.code: r for r in FILE_RULES}}


@dataclass
class FileOutcome:
    path: Path
    result: FileResult
    status: str = "unchanged"  # unchanged, migrated, would migrate, not migrated
    done: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings

    def block(self, rule: Rule, line: int, message: str) -> None:
        self.result.findings.append(Finding(str(self.path), line, rule.code, rule.kind, message))

    @property
    def changed(self) -> bool:
        return self.result.new_source is not None and not self.result.blocked


@dataclass
class Outcome:
    files: list[FileOutcome]
    messages: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(f.result.blocked for f in self.files) or bool(self.messages)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [
                {"path": str(f.path), "status": f.status, "findings": [x.as_dict() for x in f.findings]}
                for f in self.files
                if f.findings or f.status != "unchanged"
            ],
            "summary": summary(self),
            "messages": self.messages,
        }


# ---- which files -------------------------------------------------------------------------------------------


def _python_files(path: Path) -> tuple[list[Path], list[str]]:
    """The ``.py`` files of ``path`` (itself, for a file), and a note per special entry skipped
    (a FIFO, a socket, a loop, a name not UTF-8: ``scan.python_files``)."""
    if path.is_file():
        return [path], []
    listed = scan_folder.python_files(path, skip_folders=frozenset({"__pycache__"}))
    return list(listed.files), listed.notes


_EVENTS = {"on_failure_callback": "failure", "on_retry_callback": "retry", "on_success_callback": "success"}


@dataclass
class _Scan:
    """What the folder's files say of each other, read with ``ast`` (fast) before any file is migrated."""

    source: str
    modules: list[str] = field(default_factory=list)  # what it imports (``a.b``, ``a.b.name``)
    names: set[str] = field(default_factory=set)  # names it imports from other modules
    events: dict[str, str] = field(default_factory=dict)  # names it gives as callbacks -> event


def _scan(path: Path) -> _Scan | None:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    scan = _Scan(source)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return scan
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            scan.modules.append(node.module)
            scan.modules.extend(f"{node.module}.{a.name}" for a in node.names)
            scan.names.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            scan.modules.extend(a.name for a in node.names)
        pairs: list[tuple[object, ast.expr]] = []
        if isinstance(node, ast.keyword):
            pairs = [(node.arg, node.value)]
        elif isinstance(node, ast.Dict):
            pairs = [
                (k.value if isinstance(k, ast.Constant) else None, v)
                for k, v in zip(node.keys, node.values, strict=True)
            ]
        for key, value in pairs:
            if key in _EVENTS:
                name = value.id if isinstance(value, ast.Name) else getattr(value, "attr", None)
                if isinstance(name, str):
                    scan.events[name] = _EVENTS[str(key)]
    return scan


def _helper_paths(path: Path, modules: list[str]) -> list[Path]:
    """Modules of the dags folder ``path`` imports (``hooks.x``, ``dags.hooks.x``), found beside it or above."""
    found = []
    for dotted in modules:
        if dotted.startswith(("airflow", "kubernetes")):
            continue
        parts = dotted.split(".")
        for base in [path.parent, *list(path.parent.parents)[:3]]:
            for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
                if candidate.is_file():
                    found.append(candidate)
    return found


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.exists():
            found, notes = _python_files(path)
            files.extend(found)
            missing.extend(notes)
        else:
            missing.append(f"{printable(path)} is neither a file nor a folder")
    return list(dict.fromkeys(files)), missing


# ---- planning ---------------------------------------------------------------------------------------------


def plan(paths: Iterable[Path]) -> tuple[list[FileOutcome], list[str]]:
    """Every file's migration, computed and nothing written."""
    files, messages = find_files(paths)
    scans = {path: _scan(path) for path in files}
    queue = list(files)
    while queue:  # helper modules the files import, wherever in the dags folder they are
        path = queue.pop()
        scan = scans[path]
        for helper in _helper_paths(path, scan.modules) if scan is not None else ():
            if helper not in scans:
                scans[helper] = _scan(helper)
                files.append(helper)
                queue.append(helper)
    events: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for scan in scans.values():
        if scan is not None:
            events.update(scan.events)
            counts.update(scan.names)
    outcomes = []
    for path in files:
        scan = scans[path]
        if _is_alert_module(path, scan):  # not an Airflow 2 file: no more to say of it than of a README
            continue
        if scan is None:
            messages.append(f"{printable(path)}: not read (not UTF-8 text, or unreadable): left as it is")
            continue
        elsewhere = {name for name, n in counts.items() if n > (1 if name in scan.names else 0)}
        folder = Facts(callback_events=events, imported_elsewhere=elsewhere)
        outcomes.append(FileOutcome(path, migrate_source(str(path), scan.source, FIXERS, folder)))
    return outcomes, messages


def _is_alert_module(path: Path, scan: _Scan | None) -> bool:
    """The Teams alert module this tool ships (any version: its name, or the shipped text): it is
    Airflow 3 code already, and its own Workflows card must not be taken for an Office 365 hook."""
    from createdag import resources
    from createdag.questions import ALERTS_MODULE

    if path.name == f"{ALERTS_MODULE}.py":
        return True
    return scan is not None and scan.source == resources.alerts_module_source()


def git_committed(path: Path) -> str | None:
    """None when ``path`` is committed in a git work tree and unchanged (staged or not); else why not."""
    folder = path.parent
    try:
        inside = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True, timeout=30
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return (
                f"{printable(path)} is not in a git work tree: --in-place needs git to hold the original "
                "(or drop --in-place)"
            )
        tracked = subprocess.run(
            ["git", "-C", str(folder), "ls-files", "--error-unmatch", "--", path.name], capture_output=True, timeout=30
        )
        if tracked.returncode != 0:
            return (
                f"{printable(path)} is not committed: commit it first, so git holds the original (or drop --in-place)"
            )
        changed = subprocess.run(
            ["git", "-C", str(folder), "diff", "--quiet", "HEAD", "--", path.name], capture_output=True, timeout=30
        )
        if changed.returncode != 0:
            return f"{printable(path)} has changes not committed: commit them first, so git holds the original"
    except (OSError, subprocess.SubprocessError) as exc:
        return f"git could not be run ({exc}): --in-place needs git to hold the original"
    return None


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def diff(outcome: FileOutcome) -> str:
    assert outcome.result.new_source is not None
    return "".join(
        difflib.unified_diff(
            outcome.result.source.splitlines(keepends=True),
            outcome.result.new_source.splitlines(keepends=True),
            fromfile=f"{printable(outcome.path)} (Airflow 2)",
            tofile=f"{printable(outcome.path)} (Airflow 3)",
        )
    )


def dags_root(paths: list[Path]) -> Path:
    """Where the Teams alert module goes: the dags folder named (the first folder), else the first file's folder."""
    for path in paths:
        if path.is_dir():
            return path
    return paths[0].parent


# ---- doing it -----------------------------------------------------------------------------------------------


def migrate(
    paths: list[Path],
    *,
    dry_run: bool = False,
    in_place: bool = False,
    check: bool = False,
    adopt: bool = False,
    write: Callable[[str], Any] = lambda text: None,
    say: Callable[[str], None] = lambda text: None,
) -> Outcome:
    from createdag.output import write_atomic

    outcomes, messages = plan(paths)
    result = Outcome(outcomes, messages)
    for outcome in outcomes:
        if not outcome.changed:
            outcome.status = "not migrated" if outcome.result.blocked else "unchanged"
            continue
        if in_place:
            why = git_committed(outcome.path)
            if why:
                outcome.block(IN_PLACE_REFUSED, 1, why)
        elif backup_path(outcome.path).exists() and not dry_run:
            outcome.block(BACKUP_EXISTS, 1, f"{backup_path(outcome.path)} exists already: remove or move it first")
    if check:
        from createdag.codemods import structure

        structure.check(result, dags_root(paths))
    needs_alerts = False
    for outcome in outcomes:
        if not outcome.changed:
            outcome.status = "not migrated" if outcome.result.blocked else "unchanged"
            continue
        if dry_run:
            outcome.status = "would migrate"
            write(diff(outcome))
            continue
        assert outcome.result.new_source is not None
        if not in_place:
            shutil.copy2(outcome.path, backup_path(outcome.path))
            outcome.done.append(f"kept the Airflow 2 file as {backup_path(outcome.path)}")
        write_atomic(outcome.path, outcome.result.new_source, force=True)
        outcome.done.append(f"wrote {printable(outcome.path)}")
        outcome.status = "migrated"
        needs_alerts |= any(f.code == ALERT.code for f in outcome.findings)
    if needs_alerts:
        from createdag.create import install_alerts_module

        note = install_alerts_module(dags_root(paths))
        if note:
            result.messages.append(note) if note.startswith("note") else say(note)
    if adopt and not dry_run:
        adopt_migrated(result, dags_root(paths))
    return result


def adopt_migrated(result: Outcome, dags_dir: Path) -> None:
    """``--adopt``: each migrated DAG file the template can represent is recorded, through adopt's own path."""
    from createdag import adopt
    from createdag.errors import CreateDagError

    for outcome in result.files:
        if outcome.status != "migrated" or "KubernetesPodOperator" not in (outcome.result.new_source or ""):
            continue
        try:
            adoption = adopt.plan_adopt(dags_dir, outcome.path)
            target = adopt.adopt(dags_dir, adoption)
        except CreateDagError as exc:
            outcome.findings.append(
                Finding(
                    str(outcome.path),
                    1,
                    NOT_ADOPTED.code,
                    NOT_ADOPTED.kind,
                    f"not taken into the template: {str(exc).strip().splitlines()[0]}",
                )
            )
            continue
        outcome.findings.append(
            Finding(str(outcome.path), 1, ADOPTED.code, ADOPTED.kind, f"recorded in {target}: update keeps it current")
        )
        outcome.done.append(f"adopted: recorded in {target}")


# ---- the report ---------------------------------------------------------------------------------------------


def summary(result: Outcome) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in result.files:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    for kind in ("change", "review", "blocker"):
        counts[f"{kind}s"] = sum(1 for f in result.files for x in f.findings if x.kind == kind)
    return counts


def report_text(result: Outcome) -> str:
    lines: list[str] = []
    for outcome in result.files:
        if not outcome.findings and outcome.status == "unchanged":
            continue
        lines.append(f"{printable(outcome.path)}: {outcome.status}")
        for finding in outcome.findings:
            lines.append(f"  line {finding.line}: {finding.kind}: {finding.message} [{finding.code}]")
    counts = summary(result)
    shown = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    lines.append(f"{len(result.files)} file{'' if len(result.files) == 1 else 's'}: {shown}")
    return "\n".join(lines) + "\n"


def report_json(result: Outcome) -> str:
    return json.dumps(result.as_dict(), indent=2) + "\n"


def report_markdown(result: Outcome) -> str:
    lines = ["# Migration to Airflow 3", ""]
    for outcome in result.files:
        if not outcome.findings and outcome.status == "unchanged":
            continue
        lines += [
            f"## {printable(outcome.path)}: {outcome.status}",
            "",
            "| Line | Kind | Code | What |",
            "| --- | --- | --- | --- |",
        ]
        for f in outcome.findings:
            message = f.message.replace("|", "\\|")
            lines.append(f"| {f.line} | {f.kind} | `{f.code}` | {message} |")
        lines.append("")
    return "\n".join(lines)
