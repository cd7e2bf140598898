"""Change an answer where a DAG file writes it: an edit of its concrete syntax tree (libcst).

``update --set retries=4`` on a file written by hand (not black-formatted, comments, its
own order) must change that one value and nothing else. A three-way merge against a
re-render cannot promise that: where the file is written differently from the template,
every change is a conflict. So a ``--set`` is applied here first, on the file's own
syntax tree: the value is replaced where the file writes it (the ``DAG(...)`` argument,
the ``default_args`` entry, in the call or in the module-level dict it names, the task's
argument), or added beside its neighbours where the file leaves it out. libcst keeps
every other byte: comments, quotes, layout, order.

An answer this module cannot place (a value the file computes, an argument that comes
from ``**defaults``, an answer written as more than one argument such as a schedule
with assets) makes ``edit`` return None: ``update`` then merges as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst  # imported by update only when it edits: never on the prompt's path

#: DAG answers written as the ``DAG(...)`` argument of the same name.
DAG_ARGUMENTS = frozenset({"description", "catchup", "max_active_runs", "max_active_tasks", "tags", "schedule"})
#: DAG answers written in ``default_args``: answer -> key.
DEFAULT_ARGS = {"owner": "owner", "retries": "retries", "depends_on_past": "depends_on_past",
                "wait_for_downstream": "wait_for_downstream", "retry_delay_minutes": "retry_delay"}  # fmt: skip
#: Task answers written as the operator argument of the same name, with the value that means
#: "left out" (the argument is then removed, or not added).
TASK_ARGUMENTS: dict[str, Any] = {
    "image": None, "namespace": None, "cmds": None, "arguments": None, "env_vars": {},
    "service_account_name": "", "priority_class_name": "", "image_pull_policy": "", "pool": "",
    "pod_template_file": "", "startup_timeout_seconds": 120, "get_logs": None, "do_xcom_push": False,
    "on_finish_action": None, "priority_weight": 1, "node_selector": {}, "labels": {}, "annotations": {},
}  # fmt: skip


@dataclass(frozen=True)
class Change:
    """One answer's new value: of the DAG (``task_id`` None) or of one task."""

    key: str
    value: Any
    task_id: str | None = None


def placeable(key: str, task: bool) -> bool:
    """Can an answer be edited in place at all (before looking at the file)?"""
    return key in TASK_ARGUMENTS if task else key in DAG_ARGUMENTS or key in DEFAULT_ARGS


def _literal(value: Any, like: Any = None) -> str:
    """``value`` as Python source, a string in the quotes of the one it replaces when it can."""
    from createdag import resources

    text = str(resources.template_extensions().literal_text(value))
    single = isinstance(like, cst.SimpleString) and like.prefix == "" and like.quote == "'"
    if single and isinstance(value, str) and "'" not in value and "\\" not in text:
        return "'" + text[1:-1].replace('\\"', '"') + "'"
    return text


def _name(node: Any) -> str:
    if isinstance(node, cst.Name):
        return str(node.value)
    if isinstance(node, cst.Attribute):
        return str(node.attr.value)
    return ""


def _string(node: Any) -> Any:
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class _Unplaceable(Exception):
    """An answer the file does not write in a place this module can edit."""


def edit(source: str, changes: Sequence[Change]) -> str | None:
    """``source`` with each change made where the file writes it; None when one cannot be placed."""
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None
    try:
        edited = _Editor(module, changes).run()
    except (_Unplaceable, RecursionError):
        return None
    return edited.code


class _Editor:
    def __init__(self, module: Any, changes: Sequence[Change]) -> None:
        self.module = module
        self.changes = list(changes)
        self.imports = _imports(module)

    def run(self) -> Any:
        dag_changes = [change for change in self.changes if change.task_id is None]
        task_changes = [change for change in self.changes if change.task_id is not None]
        for change in dag_changes:
            if not placeable(change.key, False):
                raise _Unplaceable(change.key)
        for change in task_changes:
            if not placeable(change.key, True):
                raise _Unplaceable(change.key)
        dag_calls = _find(self.module, _is_dag_call)
        if len(dag_calls) != 1:
            raise _Unplaceable("one DAG call")
        (dag_call,) = dag_calls
        replacements: dict[Any, Any] = {}
        new_call = dag_call
        for change in dag_changes:
            if change.key in DAG_ARGUMENTS:
                if change.key == "schedule" and not (change.value is None or isinstance(change.value, str)):
                    raise _Unplaceable("schedule")
                if change.key == "schedule" and str(change.value).startswith("every "):
                    raise _Unplaceable("schedule")
                new_call = _set_argument(new_call, change.key, _literal_node(change.value, _arg(new_call, change.key)))
        default_arg_changes = [change for change in dag_changes if change.key in DEFAULT_ARGS]
        if default_arg_changes:
            given = _arg(new_call, "default_args")
            if given is None:
                entries = [(DEFAULT_ARGS[c.key], self.default_arg_value(c, None)) for c in default_arg_changes]
                text = "{" + ", ".join(f'"{key}": {value}' for key, value in entries) + "}"
                new_call = _set_argument(new_call, "default_args", cst.parse_expression(text))
            elif _is_dict(given):
                new_call = _set_argument(new_call, "default_args", self.edit_dict(given, default_arg_changes))
            elif isinstance(given, cst.Name):
                target = _module_dict(self.module, given.value)
                replacements[target] = self.edit_dict(target, default_arg_changes)
            else:
                raise _Unplaceable("default_args")
        replacements[dag_call] = new_call
        by_task: dict[str, list[Change]] = {}
        for change in task_changes:
            by_task.setdefault(str(change.task_id), []).append(change)
        for task_id, given_changes in by_task.items():
            calls = _find(self.module, lambda node, task_id=task_id: _is_pod(node, task_id))
            if len(calls) != 1:
                raise _Unplaceable(task_id)
            (call,) = calls
            new = replacements.get(call, call)
            for change in given_changes:
                new = self.edit_task(new, change)
            replacements[call] = new
        return self.module.visit(_Replace(replacements))

    def default_arg_value(self, change: Change, old: Any) -> str:
        """The source of a ``default_args`` value; ``retry_delay`` as the file spells timedelta."""
        if change.key != "retry_delay_minutes":
            return _literal(change.value, old)
        spelled = self.imports.get("timedelta")
        if spelled is None:
            raise _Unplaceable("retry_delay: no timedelta imported")
        return f"{spelled}(minutes={int(change.value)})"

    def edit_dict(self, node: Any, changes: Sequence[Change]) -> Any:
        if isinstance(node, cst.Call):  # dict(owner="x", retries=1)
            for change in changes:
                if any(arg.star for arg in node.args):
                    raise _Unplaceable("dict(**...)")
                key = DEFAULT_ARGS[change.key]
                old = _arg(node, key)
                value = self.replace_value(change, old) if old is not None else cst.parse_expression(
                    self.default_arg_value(change, None))  # fmt: skip
                node = _set_argument(node, key, value)
            return node
        elements = list(node.elements)
        for change in changes:
            key = DEFAULT_ARGS[change.key]
            found = [
                index for index, element in enumerate(elements)
                if isinstance(element, cst.DictElement) and _string(element.key) == key
            ]  # fmt: skip
            if len(found) > 1 or any(isinstance(element, cst.StarredDictElement) for element in elements):
                raise _Unplaceable(key)
            if found:
                element = elements[found[0]]
                value = self.replace_value(change, element.value)
                elements[found[0]] = element.with_changes(value=value)
            else:
                value = cst.parse_expression(self.default_arg_value(change, None))
                quote = next((e.key.quote for e in elements if isinstance(getattr(e, "key", None), cst.SimpleString)),
                             '"')  # fmt: skip
                elements = _appended(elements, cst.DictElement(key=cst.SimpleString(f"{quote}{key}{quote}"),
                                                               value=value))  # fmt: skip
        return node.with_changes(elements=elements)

    def replace_value(self, change: Change, old: Any) -> Any:
        """The new value node in place of ``old``: only the number of ``timedelta(minutes=N)``."""
        if change.key == "retry_delay_minutes" and isinstance(old, cst.Call):
            keywords = [arg for arg in old.args if arg.keyword is not None]
            if len(old.args) == 1 and keywords and _name(keywords[0].keyword) == "minutes":
                return old.with_changes(args=[keywords[0].with_changes(value=cst.Integer(str(int(change.value))))])
        return cst.parse_expression(self.default_arg_value(change, old))

    def spreads(self, node: Any, key: str) -> bool:
        """May ``**node`` give ``key``? Not when it names a module-level dict that has no such key."""
        if not isinstance(node, cst.Name):
            return True
        try:
            given = _module_dict(self.module, node.value)
        except _Unplaceable:
            return True
        if isinstance(given, cst.Call):
            return any(arg.star for arg in given.args) or _arg(given, key) is not None
        keys = [_string(element.key) if isinstance(element, cst.DictElement) else None for element in given.elements]
        return None in keys or key in keys

    def edit_task(self, call: Any, change: Change) -> Any:
        old = _arg(call, change.key)
        left_out = TASK_ARGUMENTS[change.key]
        if old is None:
            for arg in call.args:
                if arg.star == "**" and self.spreads(arg.value, change.key):
                    raise _Unplaceable(f"{change.key} comes from **")
        if change.key == "env_vars" and isinstance(call.func, cst.Attribute) and call.func.attr.value == "partial":
            raise _Unplaceable("env_vars of a mapped task")
        if left_out is not None and change.value == left_out:
            return _remove_argument(call, change.key) if old is not None else call
        return _set_argument(call, change.key, _literal_node(change.value, old))


def _literal_node(value: Any, old: Any) -> Any:
    return cst.parse_expression(_literal(value, old))


def _imports(module: Any) -> dict[str, str]:
    """How the file spells ``timedelta``: ``timedelta`` or ``datetime.timedelta``."""
    spelled: dict[str, str] = {}
    for statement in module.body:
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.ImportFrom) and _dotted(small.module) == "datetime" and not isinstance(
                small.names, cst.ImportStar
            ):
                for alias in small.names:
                    if _name(alias.name) == "timedelta":
                        spelled["timedelta"] = _name(alias.asname.name) if alias.asname else "timedelta"
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    if _dotted(alias.name) == "datetime" and "timedelta" not in spelled:
                        spelled["timedelta"] = (_name(alias.asname.name) if alias.asname else "datetime") + ".timedelta"
    return spelled


def _dotted(node: Any) -> str:
    if isinstance(node, cst.Name):
        return str(node.value)
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _is_dag_call(node: Any) -> bool:
    return isinstance(node, cst.Call) and _name(node.func) in ("DAG", "dag")


def _is_pod(node: Any, task_id: str) -> bool:
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    name = _name(func)
    if name == "partial" and isinstance(func, cst.Attribute):
        name = _name(func.value)
    return name == "KubernetesPodOperator" and _string(_arg(node, "task_id")) == task_id


def _find(module: Any, test: Any) -> list[Any]:
    found: list[Any] = []

    class Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if test(node):
                found.append(node)
            return True

    module.visit(Finder())
    return found


def _bound_value(small: Any, name: str) -> Any:
    """The value ``small`` binds ``name`` to (``name = ...`` or ``name: T = ...``), else None."""
    if isinstance(small, cst.Assign) and any(_name(target.target) == name for target in small.targets):
        return small.value
    if isinstance(small, cst.AnnAssign) and _name(small.target) == name:
        return small.value
    return None


def _module_dict(module: Any, name: str) -> Any:
    """The dict literal a module-level name is bound to, once."""
    bound = []
    for statement in module.body:
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            value = _bound_value(small, name)
            if value is not None:
                bound.append(value)
    if len(bound) != 1 or not _is_dict(bound[0]):
        raise _Unplaceable(f"{name} is not a dict bound once")
    return bound[0]


def _is_dict(node: Any) -> bool:
    """A dict written out: ``{...}`` or ``dict(key=value, ...)``."""
    return isinstance(node, cst.Dict) or (isinstance(node, cst.Call) and _name(node.func) == "dict")


def _arg(call: Any, name: str) -> Any:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _set_argument(call: Any, name: str, value: Any) -> Any:
    """``call`` with ``name=value``: in place of the old value, or added after the last keyword."""
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            args[index] = arg.with_changes(value=value)
            return call.with_changes(args=args)
    new = cst.Arg(keyword=cst.Name(name), value=value, equal=cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))  # fmt: skip
    return call.with_changes(args=_appended(args, new))


def _appended(items: list[Any], new: Any) -> list[Any]:
    """``items`` with ``new`` after the last one, laid out like its neighbours (one a line, or
    on one line), with a trailing comma where the last one had one."""
    if not items:
        return [new]
    last = items[-1]
    comma = last.comma
    trailing: Any = comma
    between: Any = comma
    if not isinstance(comma, cst.Comma):
        between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        trailing = cst.MaybeSentinel.DEFAULT
    if len(items) > 1 and isinstance(items[-2].comma, cst.Comma):
        between = items[-2].comma
    items = [*items[:-1], last.with_changes(comma=between)]
    return [*items, new.with_changes(comma=trailing)]


def _remove_argument(call: Any, name: str) -> Any:
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            if index == len(args) - 1 and index > 0:
                args[index - 1] = args[index - 1].with_changes(comma=arg.comma)
            del args[index]
            return call.with_changes(args=args)
    return call


class _Replace(cst.CSTTransformer):
    """Put each replacement where its original node was."""

    def __init__(self, replacements: Mapping[Any, Any]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node: Any, updated_node: Any) -> Any:
        return self.replacements.get(original_node, updated_node)
