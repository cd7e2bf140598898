"""``check`` that remembers: what each file's check found, reused while nothing it depends on changed.

A repo of thousands of DAGs is checked on every push, and a push changes a
few files. Loading a file in Airflow is the cost (milliseconds a file, plus
seconds to import Airflow itself), so each file's outcome is kept, keyed by

* the file's content (SHA-256);
* the content of every module of the dags folder it imports, transitively
  (``import helpers.dates``, ``from .common import x``, ``importlib.import_module("x")``
  with a literal), and which imported names the folder does *not* hold (a new
  ``dags/x.py`` shadowing an installed ``x`` changes the key);
* the content of the folder's data files its source names (a string such as
  ``"configs/sales.yaml"`` or ``Path(__file__).parent / "sql"``: any path segment
  naming a file or folder of the dags folder that is not Python);

and, for the whole cache, by the environment: create-dag's version and the
source of the integrity checks it runs, the Python version, every installed
distribution and its version (Airflow and the providers among them, read from
their ``.dist-info`` folders, without importing anything), the Airflow
configuration (``AIRFLOW__*`` variables but the dags folder, the content of
``airflow.cfg``), the cluster policies (the ``airflow_local_settings`` module
Airflow imports) and ``PYTHONPATH``. The list of files Airflow would parse is
kept too, keyed by what decides it: the names of the ``.py`` files,
the content of each ``.airflowignore``, for each ``.py`` file which of the
words Airflow's safe-mode heuristic looks for it holds, and which other files
may be zip archives (Airflow lists those); so editing a DAG's code, a config
or a README does not make Airflow list the folder again.

So a run where nothing changed reads the folder, hashes it and answers from
the cache without importing Airflow; a run where something changed imports
Airflow and checks only the files whose key changed. What the key cannot see:
a module imported by a computed name, a file read under a computed name,
environment variables other than Airflow's, the modules ``airflow_local_settings``
imports, the network or Airflow's metadata database at parse time. ``check --no-cache`` checks everything.

The cache is one JSON file (never pickle: like every file the tool reads back,
it is untrusted input, and a file that does not read as this module writes it
is ignored, never trusted in part), written atomically after each run.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from createdag.file_outcome import FileOutcome
from createdag.scan import read_regular

#: Raised when the file's shape or a key's meaning changes: an older file is then ignored.
FORMAT = 2
#: A file of the dags folder larger than this is not hashed (nor loaded by a check that remembers).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: A cache file larger than this is not read (2,000 DAGs write about 1 MB).
MAX_BYTES = 64 * 1024 * 1024
#: Path-like strings longer than this are not data file references.
_MAX_REFERENCE = 300
_SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
_PYTHON = (".py", ".zip")


def default_dir() -> Path:
    """``$XDG_CACHE_HOME/create_dag/check`` (else ``~/.cache/create_dag/check``)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "create_dag" / "check"


def cache_file(folder: Path, dags_dir: Path, *, shared: bool) -> Path:
    """The cache file of ``dags_dir`` in ``folder``: one per dags folder in the user's cache
    (``shared``); ``check-cache.json`` in a folder given for this repo, so that a CI cache
    restored into another checkout path still matches."""
    if not shared:
        return folder / "check-cache.json"
    digest = hashlib.sha256(str(dags_dir).encode("utf-8")).hexdigest()[:16]
    return folder / f"check-{digest}.json"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the environment -------------------------------------------------------------------------


def environment() -> dict[str, str]:
    """What every file's outcome depends on besides the folder, without importing Airflow."""
    from createdag import __version__, resources

    here = Path(__file__).resolve().parent
    checks = b"".join(
        path.read_bytes() for path in (resources.integrity_test_path(), here / "checking.py", Path(__file__))
    )
    dists = sorted(_distributions())
    airflow_env = sorted(
        (key, value) for key, value in os.environ.items()
        if key.startswith("AIRFLOW__") and key != "AIRFLOW__CORE__DAGS_FOLDER"
    )  # fmt: skip
    home = Path(os.environ.get("AIRFLOW_HOME") or "~/airflow").expanduser()
    config = Path(os.environ.get("AIRFLOW_CONFIG") or home / "airflow.cfg").expanduser()
    try:
        config_hash = _sha(config.read_bytes())
    except OSError:
        config_hash = "none"
    versions = {name: version for name, version in dists if name == "apache_airflow" or "providers" in name}
    return {
        "create_dag": __version__,
        "checks": _sha(checks),
        "python": sys.version.split()[0],
        "distributions": _sha(json.dumps(dists).encode()),
        "airflow": ", ".join(f"{name} {version}" for name, version in sorted(versions.items())),
        "airflow_config": _sha(json.dumps([airflow_env, config_hash]).encode()),
        "local_settings": _local_settings(home),
        "pythonpath": os.environ.get("PYTHONPATH", ""),
    }


def _local_settings(home: Path) -> str:
    """The content hash of the ``airflow_local_settings`` module Airflow's import would load:
    its cluster policies (``dag_policy``, ``task_policy``) decide what a DAG file's check finds.
    Looked for as Python would, on ``sys.path`` first, then where Airflow adds to it:
    ``$AIRFLOW_HOME/config`` and the plugins folder (``AIRFLOW__CORE__PLUGINS_FOLDER``, else
    ``$AIRFLOW_HOME/plugins``)."""
    plugins = os.environ.get("AIRFLOW__CORE__PLUGINS_FOLDER") or str(home / "plugins")
    for folder in (*sys.path, str(home / "config"), plugins):
        for name in ("airflow_local_settings.py", os.path.join("airflow_local_settings", "__init__.py")):
            try:
                return _sha(read_regular(os.path.join(folder or ".", name), MAX_FILE_BYTES))
            except OSError:
                continue
    return "none"


def _distributions() -> Iterable[tuple[str, str]]:
    """(name, version) of every installed distribution, from the ``name-version.dist-info``
    folder names on ``sys.path``: a listing per folder, no metadata read, nothing imported."""
    seen: set[str] = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")) and name not in seen:
                seen.add(name)
                stem = name.rsplit(".", 1)[0]
                dist, _, version = stem.partition("-")
                yield dist.lower().replace("-", "_"), version


# --- the folder ------------------------------------------------------------------------------


IGNORE_FILE = ".airflowignore"
#: What Airflow's safe-mode heuristic looks for in a lower-cased ``.py`` file
#: (``might_contain_dag_via_default_heuristic``: "airflow", and "dag" or "asset"), with
#: "dataset" for older heuristics and a zip archive's end record (Airflow lists any zip).
LISTING_SIGNALS = (b"airflow", b"dag", b"asset", b"dataset", b"pk\x05\x06")
_BITS = ("0", "1")


@dataclass
class Scan:
    """Every file of the dags folder (relative POSIX path -> content hash), hashed once a run,
    and what of each decides whether Airflow lists it (``listing``)."""

    root: Path
    hashes: dict[str, str] = field(default_factory=dict)
    #: a ``.py`` file: which ``LISTING_SIGNALS`` it holds; ``.airflowignore``: its content
    #: hash; a file that may be a zip archive (Airflow lists those): "zip"; no other file
    listing: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Changes whenever the files Airflow would list may change: a file added, removed or
        renamed, an ``.airflowignore`` edited, a ``.py`` file gaining or losing a word the
        heuristic looks for, a zip archive appearing. Editing a DAG's code, adding or editing
        a config or a README keeps it."""
        return _sha(json.dumps(sorted(self.listing.items())).encode())

    def data_index(self) -> dict[str, list[str]]:
        """Each name a path segment can have -> the non-Python files it stands for (a file by its
        name, a folder by its name: every file under it)."""
        index: dict[str, list[str]] = {}
        for relative in self.hashes:
            if relative.endswith(_PYTHON):
                continue
            for part in relative.split("/"):
                index.setdefault(part, []).append(relative)
        return index


def scan(root: Path, leave_out: Path | None = None) -> Scan:
    """Hash every file under ``root`` (symlinks followed, as Airflow lists them; byte-code
    caches, VCS folders and ``leave_out``, the cache's own folder if inside, left out)."""
    found = Scan(root)
    seen: set[str] = set()
    skipped = os.path.realpath(leave_out) if leave_out is not None else None
    for folder, dirs, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen or real == skipped:  # a symlink loop, or the cache
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        relative_folder = os.path.relpath(folder, root)
        prefix = "" if relative_folder == "." else relative_folder.replace(os.sep, "/") + "/"
        for name in files:
            try:  # never blocks: a FIFO, socket or device is refused, not read (scan.read_regular)
                data = read_regular(os.path.join(folder, name), MAX_FILE_BYTES)
            except OSError:
                continue
            relative = prefix + name
            found.hashes[relative] = digest = _sha(data)
            if name.endswith(".py"):
                lower = data.lower()
                found.listing[relative] = "py:" + "".join([_BITS[signal in lower] for signal in LISTING_SIGNALS])
            elif name == IGNORE_FILE:
                found.listing[relative] = digest
            elif b"PK\x05\x06" in data:  # Airflow lists a zip archive of any name
                found.listing[relative] = "zip"
            # any other file is never listed: a README or a config added or edited changes nothing
    return found


# --- what a file depends on ------------------------------------------------------------------


def references(source: bytes, relative: str) -> dict[str, list[str]]:
    """The modules ``source`` imports (absolute dotted names, relative ones resolved against
    its package in the dags folder) and the path-like strings it holds."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {"modules": [], "strings": []}
    package = relative.split("/")[:-1]
    modules: set[str] = set()
    strings: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package[: len(package) - (node.level - 1)] if node.level - 1 <= len(package) else []
                base = ".".join([*up, *([base] if base else [])])
            if base:
                modules.add(base)
            modules.update(f"{base}.{alias.name}" if base else alias.name for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                modules.add(node.args[0].value)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if 0 < len(text) <= _MAX_REFERENCE and "\n" not in text and ("/" in text or "." in text):
                strings.add(text)
    return {"modules": sorted(modules), "strings": sorted(strings)}


def module_files(
    name: str, hashes: Mapping[str, str], folders: set[str] | None = None
) -> tuple[list[str], bool]:
    """The dags folder's files that importing ``name`` runs (each package's ``__init__.py`` and
    the module), and whether the folder holds the module at all. ``folders``: every folder of
    ``hashes``'s paths (``Scan.folders``), when asked for many names."""
    parts = name.split(".")
    files = []
    for depth in range(1, len(parts) + 1):
        stem = "/".join(parts[:depth])
        for candidate in (f"{stem}/__init__.py", f"{stem}.py"):
            if candidate in hashes:
                files.append(candidate)
                break
    last = "/".join(parts)
    if folders is None:
        folders = _folders(hashes)
    return files, f"{last}.py" in hashes or f"{last}/__init__.py" in hashes or last in folders


def _folders(paths: Iterable[str]) -> set[str]:
    """Every folder the relative POSIX ``paths`` sit in, at every depth."""
    found: set[str] = set()
    for path in paths:
        parts = path.split("/")[:-1]
        found.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return found


# --- the cache -------------------------------------------------------------------------------


class CheckCache:
    """One dags folder's cache file: loaded once, asked per file, saved once."""

    def __init__(self, path: Path, dags_dir: Path) -> None:
        self.path = path
        self.dags_dir = dags_dir
        self.env = environment()
        self.scan = scan(dags_dir, leave_out=path.parent)
        self._data = self._load()
        self._refs: dict[str, dict[str, list[str]]] = {}
        self._deps: dict[str, list[str]] = {}
        self._index: dict[str, list[str]] | None = None
        self._folders = _folders(self.scan.hashes)
        self._imports: dict[str, list[str]] = {}
        self._direct: dict[str, list[str]] = {}
        self._keys: dict[str, str] = {}
        #: each file asked for: its outcome from the cache (or None), and the entry it was read from
        self._outcomes: dict[str, tuple[FileOutcome | None, Any]] = {}

    def _load(self) -> dict[str, Any]:
        empty: dict[str, Any] = {"entries": {}, "refs": {}}
        try:
            if self.path.stat().st_size > MAX_BYTES:
                return empty
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return empty
        if not (isinstance(data, dict) and data.get("format") == FORMAT and data.get("environment") == self.env):
            return empty
        entries, refs = data.get("entries"), data.get("refs")
        if not (isinstance(entries, dict) and isinstance(refs, dict)):
            return empty
        return data

    # -- the folder's file list and the check's settings, while nothing in the folder changed --

    def names(self) -> list[str] | None:
        """The files Airflow would parse (relative POSIX paths), if the folder is as it was when
        they were listed."""
        files = self._data.get("files")
        if self._data.get("scan") != self.scan.key or not isinstance(files, list) or not _strings(files):
            return None
        hashes = self.scan.hashes
        if not all(name in hashes and name.endswith(_PYTHON) for name in files):
            return None  # only files of this folder: a cache file never makes check load anything else
        return files

    def listing(self) -> list[Path] | None:
        """``names`` as paths."""
        names = self.names()
        return None if names is None else [self.dags_dir / name for name in names]

    def settings(self) -> tuple[float, float] | None:
        """``[core] dagbag_import_timeout`` and the slow share, as the last run read them."""
        values = self._data.get("settings")
        if isinstance(values, list) and len(values) == 2 and all(isinstance(v, (int, float)) for v in values):
            return float(values[0]), float(values[1])
        return None

    # -- one file --------------------------------------------------------------------------------

    def key(self, relative: str) -> str:
        """The file's key: its name and content, the repo modules it imports (transitively, with
        which imported names the folder lacks) and the data files it names. The name comes first:
        two files importing each other have the same dependencies, never the same key. (NUL
        separates the parts: no path holds one.)"""
        if relative not in self._keys:
            hashes = self.scan.hashes
            parts = [relative]
            for name in self._dependencies(relative):
                parts += (name, hashes.get(name, "absent"))
            self._keys[relative] = _sha("\0".join(parts).encode("utf-8", "surrogateescape"))
        return self._keys[relative]

    def _references(self, relative: str) -> dict[str, list[str]]:
        digest = self.scan.hashes.get(relative, "")
        if relative not in self._refs:
            kept = self._data["refs"].get(digest)
            if not (isinstance(kept, dict) and _strings(kept.get("modules")) and _strings(kept.get("strings"))):
                try:
                    source = read_regular(self.dags_dir / relative, MAX_FILE_BYTES)
                except OSError:
                    source = b""
                kept = references(source, relative)
            self._refs[relative] = kept
        return self._refs[relative]

    def _dependencies(self, relative: str) -> list[str]:
        """``relative`` itself, every module file it runs on import (transitively), ``?name`` for
        each imported top-level name the folder does not hold, and the data files it and those
        modules name (a helper reading a config)."""
        if relative in self._deps:
            return self._deps[relative]
        found: dict[str, None] = {relative: None}
        todo = [relative]
        while todo:
            for item in self._direct_dependencies(todo.pop()):
                if item not in found:
                    found[item] = None
                    if item.endswith(".py"):
                        todo.append(item)
        self._deps[relative] = sorted(found)
        return self._deps[relative]

    def _direct_dependencies(self, relative: str) -> list[str]:
        """What one file needs, not what those need (memoized: a helper imported by every DAG
        is resolved once)."""
        if relative in self._direct:
            return self._direct[relative]
        refs = self._references(relative) if relative.endswith(".py") else {"modules": [], "strings": []}
        found: list[str] = []
        for name in refs["modules"]:
            found += self._import_dependencies(name)
        index = self._data_index()
        for text in refs["strings"]:
            for part in text.replace("\\", "/").split("/"):
                found += index.get(part.strip("*"), ())
        direct = dict.fromkeys(found)
        direct.pop(relative, None)
        self._direct[relative] = list(direct)
        return self._direct[relative]

    def _import_dependencies(self, name: str) -> list[str]:
        """What importing ``name`` depends on in the folder: the files it runs, or ``?name`` for a
        top-level name the folder does not hold (memoized: every DAG imports the same few)."""
        if name not in self._imports:
            files, present = module_files(name, self.scan.hashes, self._folders)
            self._imports[name] = files if present or "." in name else [f"?{name}", *files]
        return self._imports[name]

    def _data_index(self) -> dict[str, list[str]]:
        if self._index is None:
            self._index = self.scan.data_index()
        return self._index

    def outcome(self, relative: str) -> FileOutcome | None:
        """What the last check of this very file, with these very dependencies, found."""
        if relative not in self._outcomes:
            entry = self._data["entries"].get(self.key(relative))
            self._outcomes[relative] = (outcome_from_data(entry, relative), entry)
        return self._outcomes[relative][0]

    # -- after the run ---------------------------------------------------------------------------

    def save(self, names: list[str], outcomes: Iterable[FileOutcome], settings: tuple[float, float]) -> None:
        """Keep this run: the listing (``names``, relative POSIX paths), the settings, each file's
        outcome under its key (an outcome read from this cache is kept as it was read). Entries of
        files no longer there are dropped, so the file does not grow with the repo's history."""
        from createdag.output import write_atomic

        by_file = {}
        for outcome in outcomes:
            name = outcome.file.replace(os.sep, "/")
            kept, entry = self._outcomes.get(name, (None, None))
            by_file[name] = entry if kept is outcome else outcome_to_data(outcome)
        refs = {self.scan.hashes[name]: self._refs[name] for name in self._refs if name in self.scan.hashes}
        data = {
            "format": FORMAT,
            "environment": self.env,
            "scan": self.scan.key,
            "files": list(names),
            "settings": list(settings),
            "entries": {self.key(name): by_file[name] for name in names if name in by_file},
            "refs": refs,
        }
        with contextlib.suppress(OSError):  # a cache not written costs the next run time, never this one's result
            write_atomic(self.path, json.dumps(data, separators=(",", ":")), force=True)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


# --- a file's outcome as JSON, and back ----------------------------------------------------------


def outcome_to_data(outcome: FileOutcome) -> dict[str, Any]:
    return {
        "dag_ids": list(outcome.dag_ids), "seconds": outcome.seconds,
        "import_errors": [list(error) for error in outcome.import_errors],
        "dags": [[dag_id, line, [list(rule) for rule in broken]] for dag_id, line, broken in outcome.dags],
        "warnings": list(outcome.warnings), "output": list(outcome.output),
    }  # fmt: skip


def outcome_from_data(data: Any, relative: str) -> FileOutcome | None:
    """The outcome kept for ``relative``, or None when the entry is not exactly what
    ``outcome_to_data`` writes (a cache file is untrusted input)."""
    if not isinstance(data, dict):
        return None
    try:
        errors = tuple((_str(message), _line(line)) for message, line in data["import_errors"])
        dags = tuple(
            (_str(dag_id), _line(line), tuple((_str(rule), _str(text)) for rule, text in broken))
            for dag_id, line, broken in data["dags"]
        )
        seconds = data["seconds"]
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not _strings(data["dag_ids"]):
            return None
        if not (_strings(data["warnings"]) and _strings(data["output"])):
            return None
    except (KeyError, TypeError, ValueError):
        return None
    return FileOutcome(relative.replace("/", os.sep), tuple(data["dag_ids"]), float(seconds), errors, dags,
                       tuple(data["warnings"]), tuple(data["output"]))  # fmt: skip


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _line(value: Any) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError(value)
