"""How the user ran the tool, so that help and messages name the command they can type again.

The same CLI starts three ways: the installed console script (``create-dag``,
from pip, pipx or uv), ``python -m createdag``, and ``python create_dag.py`` in
a clone. A message that says ``python create_dag.py check`` to someone who
installed a wheel points at a file they do not have, so every "run this next"
in help and messages is built from ``prog()``, and every doc a message points
at from ``docs_hint()``: the ``docs`` command, which reads the docs shipped in
the wheel (``createdag.resources.docs_dir``), so they are there however the
tool was installed. Cheap: imported on the way to the first question.
"""

from __future__ import annotations

import functools
import os
import sys

#: The console script's name (``[project.scripts]`` in pyproject.toml): the fallback when
#: argv[0] says nothing useful (the CLI called in-process, e.g. by a test runner).
CONSOLE_SCRIPT = "create-dag"


def name_from(argv0: str, cwd: str | None = None) -> str:
    """The command line that starts the tool, from how it was started (``sys.argv[0]``).

    ``.../createdag/__main__.py`` is ``python -m createdag``; the clone's script is
    ``python create_dag.py`` (with its path when it is not in the current folder, so
    the command works where the user is); a console script is its own name.
    """
    base = os.path.basename(argv0)
    if base == "__main__.py" and os.path.basename(os.path.dirname(argv0)) == "createdag":
        return "python -m createdag"
    if base == "create_dag.py":
        here = os.path.abspath(cwd or os.getcwd())
        shown = base if os.path.dirname(os.path.abspath(argv0)) == here else argv0
        return f"python {shown}"
    stem = base.removesuffix(".exe")
    if stem.startswith(("create-dag", "create_dag")) and not stem.endswith(".py"):
        return stem
    return CONSOLE_SCRIPT


@functools.cache
def prog() -> str:
    """The name the user ran, as a command to type: ``create-dag``, ``python -m createdag``..."""
    return name_from(sys.argv[0] if sys.argv and sys.argv[0] else "")


def command(rest: str) -> str:
    """``prog()`` followed by ``rest``: ``command("check")`` is ``create-dag check``."""
    return f"{prog()} {rest}"


def docs_hint(topic: str) -> str:
    """How to read a shipped doc from here: ``create-dag docs alerts``."""
    return command(f"docs {topic}")
