"""Print the shell completion script for bash, zsh or fish.

Tab then completes the commands, their options, the answer keys of --set
(KEY=, TASK.KEY= and the values of keys with fixed choices), the dag_ids
recorded in the dags folder (update) and the gallery's examples (--example),
and the docs' topics. Install it once:

  bash   echo 'eval "$(create-dag completion bash)"' >> ~/.bashrc
  zsh    echo 'eval "$(create-dag completion zsh)"' >> ~/.zshrc   (after compinit)
  fish   create-dag completion fish > ~/.config/fish/completions/create-dag.fish

The script asks the installed create-dag for the words at each Tab
(argcomplete's protocol), so what it completes follows the installed version
and the folder you are in. Completing never slows the first question: the
CLI looks at one environment variable and goes on.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from typing import Any

from createdag.commands import COMMANDS, positionals, say
from createdag.errors import EXIT_OK, UserError

INTERRUPTED = "completion writes nothing."
SHELLS = ("bash", "zsh", "fish")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", nargs="?", choices=SHELLS, help="the shell (default: the one in $SHELL)")


def run(args: argparse.Namespace) -> int:
    import argcomplete

    from createdag.invocation import CONSOLE_SCRIPT, prog

    shell = args.shell or os.path.basename(os.environ.get("SHELL", ""))
    if shell not in SHELLS:
        raise UserError(f"give the shell: {prog()} completion {{{','.join(SHELLS)}}} ($SHELL is {shell or 'unset'})")
    name = prog() if " " not in prog() else CONSOLE_SCRIPT  # a script completes a command, not `python x`
    print(argcomplete.shellcode([name], shell=shell))
    if name != prog():
        say(f"completes {name}, the installed command: install create-dag (pipx, uv tool or pip) to use it")
    return EXIT_OK


# --- at each Tab: the shell runs the CLI with _ARGCOMPLETE set --------------------------------


def complete(build_parser: Callable[[str | None], argparse.ArgumentParser]) -> int:
    """Answer the shell's completion request (argcomplete writes the words and exits)."""
    import argcomplete

    line = os.environ.get("COMP_LINE", "")
    point = int(os.environ.get("COMP_POINT") or len(line))
    words = argcomplete.split_line(line, point)[3][1:]  # the words before the one being completed
    top = build_parser(None)
    named = [word for word in positionals(words, top) if word in COMMANDS]
    parser = build_parser(named[0]) if named else top
    _attach(parser)
    argcomplete.autocomplete(parser, exit_method=_exit)
    return EXIT_OK


def _exit(code: int = 0) -> None:
    os._exit(code)  # as argcomplete does: nothing of the CLI's own shutdown is needed


def _attach(parser: argparse.ArgumentParser) -> None:
    """Give the arguments that take our own words their completers, in every subparser."""
    completers: dict[str, Callable[..., Iterable[str]]] = {
        "sets": answer_keys, "paths": recorded_dag_ids, "example": gallery_names, "topic": doc_topics,
    }  # fmt: skip
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _attach(sub)
        elif action.dest in completers:
            action.completer = completers[action.dest]  # type: ignore[attr-defined]


def answer_keys(prefix: str, **_: Any) -> list[str]:
    """``KEY=`` for every answer key; ``TASK.KEY=`` after a task id and a dot; after ``=``, the
    choices of a key that has fixed ones."""
    from createdag.questions import BY_KEY, DAG_KEYS, TASK_KEYS

    key, equals, _value = prefix.partition("=")
    if equals:
        question = BY_KEY.get(key.rpartition(".")[2])
        choices = list(question.choices) if question is not None else []
        if question is not None and question.kind == "bool":
            choices = ["true", "false"]
        return [f"{key}={choice}" for choice in choices if f"{key}={choice}".startswith(prefix)]
    task, dot, _rest = key.rpartition(".")
    keys = TASK_KEYS if dot else (*DAG_KEYS, *TASK_KEYS)
    return [f"{task}{dot}{name}=" for name in keys if f"{task}{dot}{name}".startswith(prefix)]


def recorded_dag_ids(prefix: str, parsed_args: argparse.Namespace | None = None, **kwargs: Any) -> list[str]:
    """The dag_ids recorded in the dags folder (``-o``, the team config, else ./dags), then files."""
    from argcomplete.completers import FilesCompleter

    found: list[str] = []
    try:
        from createdag.records import record_dir
        from createdag.settings import settings_for

        folder = record_dir(settings_for(getattr(parsed_args, "output_dir", None)).output_dir)
        found = sorted(path.stem for path in folder.glob("*.json") if path.stem.startswith(prefix))
    except (OSError, UserError):  # no dags folder, or a team config that does not read: files only
        pass
    return found + list(FilesCompleter()(prefix, **kwargs))


def gallery_names(prefix: str, **_: Any) -> list[str]:
    from createdag.gallery import EXAMPLES

    return [name for name in ("list", *EXAMPLES) if name.startswith(prefix)]


def doc_topics(prefix: str, **_: Any) -> list[str]:
    from createdag.resources import doc_topics

    return [name for name in doc_topics() if name.startswith(prefix)]
