"""Keep the files create_dag installs beside the DAGs out of Airflow's DAG parsing.

The alert module holds the words "airflow" and "dag", so the DAG processor's
safe-mode heuristic takes it for a DAG file and parses it on every loop
(0.2-0.5 s each on Airflow 3.3) unless the dags folder's ``.airflowignore``
names it. The DAGs still import it: the dags folder is on ``sys.path``.

A line must mean the same under both values of ``[core]
dag_ignore_file_syntax`` (``glob``, the default from Airflow 3.0, and
``regexp``, the default before and still chosen by many deployments), since
the tool cannot know which one the cluster uses: ``teams_alerts\\.py`` is a
literal name in gitignore-style globs (the backslash escapes the dot) and a
regular expression that ``re.search`` finds in ``teams_alerts.py``.

An existing ``.airflowignore`` is the team's: lines are only ever added at its
end, with a comment saying why, and only when none of its lines names the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

IGNORE_FILE = ".airflowignore"
HEADER = """\
# Files Airflow's DAG processor does not parse as DAGs (one per line; each line
# means the same under dag_ignore_file_syntax = glob, the default, and regexp).
# They stay importable: the dags folder is on sys.path.
"""
ADDED_COMMENT = "# added by create_dag: a module the DAGs import, not a DAG file (parsing it costs every loop)"


def ignore_line(relative: str) -> str:
    """The line that ignores ``relative`` (a path under the dags folder, ``/``-separated)
    under both syntaxes: every character that is special to a regular expression or a glob
    is escaped with a backslash, which both read as "this character itself"."""
    return "".join("\\" + ch if ch in ".[]*?+()^$|{}\\!#" else ch for ch in relative)


def _names(line: str) -> str:
    """What a line of the file names, with the escapes read: ``teams_alerts\\.py`` and
    ``teams_alerts.py`` both name ``teams_alerts.py`` (the second as a glob)."""
    out, escaped = [], False
    for ch in line.strip():
        if escaped or ch != "\\":
            out.append(ch)
            escaped = False
        else:
            escaped = True
    return "".join(out).lstrip("/")


def module_file(module: str) -> str:
    """The file of a dotted module under the dags folder: ``a.b`` -> ``a/b.py``."""
    return "/".join(module.split(".")) + ".py"


@dataclass(frozen=True)
class IgnoreChange:
    """What ``ensure_ignored`` did, so a run that fails later can take it back."""

    path: Path
    #: the file's text before, None when this run created it
    previous: str | None
    message: str
    #: False when nothing was written (only a note for the user)
    changed: bool = True

    def undo(self) -> None:
        from createdag.output import write_atomic

        if not self.changed:
            return
        if self.previous is None:
            self.path.unlink(missing_ok=True)
        else:
            write_atomic(self.path, self.previous, force=True)


def ensure_ignored(dags_dir: Path, relatives: list[str]) -> IgnoreChange | None:
    """Make ``<dags_dir>/.airflowignore`` name each of ``relatives``; None when it already does.

    Creates the file when absent; otherwise appends the missing lines at its end
    and leaves every line it had as it was.
    """
    from createdag.output import write_atomic

    path = dags_dir / IGNORE_FILE
    try:
        previous = path.read_text(encoding="utf-8") if path.is_file() else None
    except UnicodeDecodeError:  # not ours to rewrite: say what it should hold
        lines = ", ".join(ignore_line(rel) for rel in relatives)
        return IgnoreChange(path, "", f"note: {path} is not UTF-8 text; kept it: add {lines} to it yourself", False)
    lines_had = [line for line in (previous or "").splitlines() if line.strip() and not line.lstrip().startswith("#")]
    named = {_names(line) for line in lines_had}
    missing = [rel for rel in relatives if rel not in named]
    if not missing:
        return None
    lines = "".join(ignore_line(rel) + "\n" for rel in missing)
    if previous is None:
        write_atomic(path, HEADER + lines)
        return IgnoreChange(path, None, f"wrote {path} (keeps {', '.join(missing)} out of DAG parsing)")
    text = previous if previous.endswith("\n") or not previous else previous + "\n"
    write_atomic(path, f"{text}{ADDED_COMMENT}\n{lines}", force=True)
    return IgnoreChange(path, previous, f"added {', '.join(missing)} to {path} (kept every line it had)")
