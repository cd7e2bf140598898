"""Values a DAG file imports from its own repository's modules, read without importing them.

Teams keep what their DAGs share in a module of the dags repo: ``from
include.airflow_utils import DATA_IMAGE``, ``from dags.kube_secrets import
DB_PASSWORD`` (a ``Secret(...)``), ``from common.pods import pod_defaults`` (a
dict unpacked with ``**``). Python finds such a module through ``sys.path``:
Airflow puts the dags folder there, and the images teams build often the
repository's root too. So a module is looked for under the DAG file's folder and
each folder above it, up to the repository's root (the folder that holds
``.git``): ``include/airflow_utils.py`` or ``include/airflow_utils/__init__.py``.
A module found elsewhere, or not at all (a package installed in the image), is
not read, and the name stays what it is: imported, refused where a value is
needed, with its line.

A name is read only when its module binds it once, to data (``dagmodel.is_data``),
and its value is data all the way down: names bound once in that module, and
through that module's own imports from the repo, in turn (a few levels deep,
cycles stopped). The constructors the value calls (``k8s.V1...``, ``Secret``,
``timedelta``) are named in the value as an attribute of a private alias of
the module they come from (``<alias>.timedelta``, ``<alias>.models.V1...``), and
the DAG file's view gets an ``import <module> as <alias>`` for each, so every
reader of the file sees them as that module does. A value that names
anything else of its module (a function, a callback) is not read at all: that
name means nothing in the DAG file, and a name of the DAG file's own with the
same spelling must never be taken for it.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field
from pathlib import Path

from createdag import dagsource
from createdag.dagmodel import Resolver, canonical_name, data_bindings, pure_callable, stores
from createdag.errors import UnreadableSource

#: How many modules deep a value is followed (a DAG file's helper importing from another...).
MAX_DEPTH = 4
#: How many modules one DAG file's values may come from: a bound on the reading, never hit by a real repo.
MAX_MODULES = 64
#: How many folders above the DAG file's own are searched when no ``.git`` is found first.
MAX_LEVELS = 6
_ALIAS = "_createdag_import_"


@dataclass
class RepoImports:
    """What a DAG file imports from its repo as values: local name -> value, and the imports
    (under private aliases) those values' constructors need in the file's view."""

    bindings: dict[str, ast.expr] = field(default_factory=dict)
    imports: list[ast.stmt] = field(default_factory=list)
    #: local name -> the module file it was looked for and found in (for messages)
    found_in: dict[str, Path] = field(default_factory=dict)
    #: local name -> why it was not read from the module found (``dagmodel.why_unread`` says it)
    unread: dict[str, str] = field(default_factory=dict)


def search_roots(path: Path) -> list[Path]:
    """The folders a module the DAG file imports may live in: its own and each above it, up to
    the repository's root (the folder with ``.git``), nearest first."""
    roots: list[Path] = []
    folder = path.resolve().parent
    for _ in range(MAX_LEVELS + 1):
        roots.append(folder)
        if (folder / ".git").exists() or folder.parent == folder:
            break
        folder = folder.parent
    return roots


class _Reading:
    """One DAG file's reading of its repo's modules: the modules read, the aliases made."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self.modules: dict[Path, _Module | None] = {}
        self.aliases: dict[str, str] = {}  # module -> alias
        self.active: set[Path] = set()
        self.unread: dict[str, str] = {}  # the DAG file's names not read, and why (for messages)

    def alias(self, module: str) -> str:
        if module not in self.aliases:
            self.aliases[module] = f"{_ALIAS}{len(self.aliases)}"
        return self.aliases[module]

    def find(self, module: str) -> Path | None:
        parts = module.split(".")
        if not all(part.isidentifier() for part in parts):
            return None
        for root in self.roots:
            for candidate in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
                if candidate.is_file():
                    return candidate
        return None

    def module(self, path: Path, depth: int) -> _Module | None:
        if path in self.modules:
            return self.modules[path]
        if path in self.active or depth > MAX_DEPTH or len(self.modules) >= MAX_MODULES:
            return None  # a cycle, too deep, too many: its names stay unread
        self.active.add(path)
        try:
            try:
                tree = dagsource.read_tree(path)
            except (UnreadableSource, RecursionError, MemoryError, ValueError):
                module = None
            else:
                module = _Module(self, tree, depth)
        finally:
            self.active.discard(path)
        self.modules[path] = module
        return module

    def imported(self, tree: ast.Module, depth: int) -> dict[str, tuple[ast.expr, Path]]:
        """The names ``tree`` imports from the repo's modules at its top level, bound once in
        ``tree``, whose value there is data all the way down: name -> (value, module file)."""
        counts = stores(tree)
        found: dict[str, tuple[ast.expr, Path]] = {}
        for statement in tree.body:
            if not (isinstance(statement, ast.ImportFrom) and statement.module and not statement.level):
                continue
            where = self.find(statement.module)
            if where is None:
                continue
            module = self.module(where, depth + 1)
            if module is None:
                continue
            for name in statement.names:
                local = name.asname or name.name
                if name.name == "*" or counts[local] != 1:
                    continue
                value = module.value(name.name)
                if value is not None:
                    found[local] = (value, where)
                elif depth == 0:
                    shown = self.shown(where)
                    self.unread[local] = f"{shown}, where {module.why.get(name.name, 'it is not a value')}"
        return found

    def shown(self, where: Path) -> str:
        """A module's path as the file imports it: from the nearest folder searched."""
        root = next((root for root in self.roots if where.is_relative_to(root)), None)
        return (where.relative_to(root) if root is not None else where).as_posix()


class _Module:
    """A module of the repo, parsed: its values that are data all the way down, with the
    constructors they call named through the reading's aliases."""

    def __init__(self, reading: _Reading, tree: ast.Module, depth: int) -> None:
        self.reading = reading
        self.imports = dagsource.imported_names(tree)
        own = data_bindings(tree)
        imported = {name: value for name, (value, _) in reading.imported(tree, depth).items()}
        self.bound: dict[str, ast.expr] = {**imported, **own}
        self.values: dict[str, ast.expr | None] = {}
        self.why: dict[str, str] = {}  # name -> why its value is not read

    def value(self, name: str) -> ast.expr | None:
        if name not in self.values:
            self.values[name] = self._value(name)
        return self.values[name]

    def _value(self, name: str) -> ast.expr | None:
        if name not in self.bound:
            self.why[name] = "it is no value bound once (a function, a class, a name bound twice, or none)"
            return None
        try:
            value = Resolver(self.bound).visit(copy.deepcopy(self.bound[name]))
        except RecursionError:
            self.why[name] = "it is nested too deeply to read"
            return None
        assert isinstance(value, ast.expr)
        for inner in ast.walk(value):
            if not isinstance(inner, ast.Call) or dagsource.dotted(inner.func).startswith(_ALIAS):
                continue  # a constructor named already, by the module it came from
            if not pure_callable(canonical_name(inner.func, self.imports)):
                self.why[name] = f"`{dagsource.source_of(inner, 40)}` is computed when the file is parsed"
                return None
        renamer = _Renamer(self.reading, self.imports)
        value = renamer.visit(value)
        if renamer.unknown:
            self.why[name] = f"its value names `{renamer.unknown}`, not a value written out there"
            return None
        return value


class _Renamer(ast.NodeTransformer):
    """A module's imported names, in one of its values, as ``<alias of the module>.<name>``: the
    readers still see the name's last part (``timedelta``, ``Secret``, ``V1ResourceRequirements``),
    and its origin through the alias's import. Any other name makes the value unreadable."""

    def __init__(self, reading: _Reading, imports: dict[str, str]) -> None:
        self.reading, self.imports = reading, imports
        self.unknown = ""  # the first name that is not the module's import

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id.startswith(_ALIAS):
            return node  # named already, by the module it came from
        origin = self.imports.get(node.id)
        if origin is None:
            self.unknown = self.unknown or node.id  # a function, a callback: nothing the DAG file can name
            return node
        module, _, name = origin.rpartition(".")
        if not module:
            return ast.copy_location(ast.Name(id=self.reading.alias(origin), ctx=ast.Load()), node)
        alias = ast.copy_location(ast.Name(id=self.reading.alias(module), ctx=ast.Load()), node)
        return ast.copy_location(ast.Attribute(value=alias, attr=name, ctx=ast.Load()), node)


def imported_values(tree: ast.Module, path: Path) -> RepoImports:
    """The values ``tree`` (the DAG file at ``path``) imports from its repository's modules."""
    reading = _Reading(search_roots(path))
    found = reading.imported(tree, 0)
    result = RepoImports(
        bindings={name: value for name, (value, _) in found.items()},
        found_in={name: where for name, (_, where) in found.items()},
        unread=dict(reading.unread),
    )
    for module, alias in reading.aliases.items():
        statement = ast.Import(names=[ast.alias(name=module, asname=alias)])
        statement.lineno, statement.col_offset = 1, 0
        result.imports.append(ast.fix_missing_locations(statement))
    return result


def shared_values(text: str, path: Path) -> str:
    """For a message: the names the DAG file ``path`` (source ``text``) takes from its repo's
    modules, and where (``team_defaults, DATA_IMAGE from include/airflow_utils.py``); '' if none."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ""
    found = imported_values(tree, path).found_in
    if not found:
        return ""
    roots = search_roots(path)
    by_module: dict[Path, list[str]] = {}
    for name, where in found.items():
        by_module.setdefault(where, []).append(name)
    parts = []
    for where, names in by_module.items():
        root = next((root for root in roots if where.is_relative_to(root)), None)  # the nearest: as imported
        shown = where.relative_to(root) if root is not None else where
        parts.append(f"{', '.join(names)} from {shown.as_posix()}")
    return "; ".join(parts)
