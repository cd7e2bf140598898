"""Startup stays light: the first question must not wait for heavy imports.

Timing lives in bench/startup.py (numbers in docs/performance.md); this
checks the cause instead: what is imported before the first prompt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO


def test_prompt_path_imports_no_heavy_module() -> None:
    code = (
        "import sys, json; import createdag.cli, createdag.prompt, createdag.answers;"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'black', 'cookiecutter', 'airflow', 'jinja2', 'yaml', 'kubernetes', 'pendulum'})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert json.loads(result.stdout) == []


def test_help_is_fast_path_too() -> None:
    code = "import sys; sys.argv=['x','--help']\nimport createdag.cli as c\ntry:\n c.main()\nexcept SystemExit: pass\nprint('questionary' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.strip().endswith("False")


@pytest.mark.parametrize("style", ["fg:ansibrightblack", "bold", "fg:ansiyellow", ""])
def test_the_prompts_lines_are_printed_as_questionary_prints_them(style: str) -> None:
    """``prompt.print_styled`` builds prompt_toolkit's default styles once instead of for every
    line; what reaches the terminal is the same, byte for byte."""
    import io

    import questionary
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.output.vt100 import Vt100_Output

    from createdag.prompt import print_styled

    def printed(draw: Any) -> str:
        stream = io.StringIO()
        output = Vt100_Output(stream, lambda: Size(rows=40, columns=120), term="xterm")
        with create_app_session(output=output):
            draw("\nDAG\n  Unique id, é ✓ \x1b[31m", style)
            draw("and again", style)
        return stream.getvalue()

    expected = printed(lambda text, style: questionary.print(text, style=style or None))
    assert "DAG" in expected and printed(print_styled) == expected


def test_no_arguments_parse_as_the_whole_parser_parses_them() -> None:
    """``create-dag`` alone (the questions) skips building the commands' parsers: what it
    parses is what the whole parser gives."""
    from createdag import cli

    assert vars(cli.parse([])) == vars(cli.build_parser().parse_args([]))
    assert cli.parse([]).command is None


#: Runs the CLI the way argv[1] says (``create_dag.py``, ``-m createdag``, or the console script's
#: code) and, the moment the first question is drawn, prints the modules imported so far.
_AT_THE_FIRST_QUESTION = """
import os, runpy, sys
import prompt_toolkit.renderer as renderer
draw = renderer.Renderer.render
def first_draw(self, *args, **kwargs):
    draw(self, *args, **kwargs)
    os.write(1, ("\\nMODULES " + " ".join(sorted(sys.modules)) + " END\\n").encode())
    os._exit(0)
renderer.Renderer.render = first_draw
how, repo = sys.argv[1], sys.argv[2]
if how == "script":
    sys.argv, sys.path[0] = [os.path.join(repo, "create_dag.py")], repo
    runpy.run_path(sys.argv[0], run_name="__main__")
elif how == "module":
    sys.argv, sys.path[0] = [os.path.join(repo, "createdag", "__main__.py")], repo
    runpy.run_module("createdag", run_name="__main__", alter_sys=True)
else:  # what the installed console script runs
    sys.argv, sys.path[0] = ["create-dag"], repo
    from createdag.cli import main
    sys.exit(main())
"""

#: Modules the first question does not need: each is imported when its answer is checked or shown
#: (the schedule's parser and hint, a quantity's comparison, a mistyped name's suggestion), or by
#: --resume, an answers file, or the writing of the DAG.
NOT_BEFORE_THE_FIRST_QUESTION = (
    "createdag.schedule", "createdag.session", "createdag.output", "createdag.create", "createdag.render",
    "createdag.review", "createdag.upstream", "decimal", "difflib", "json", "yaml", "jinja2",
    "cookiecutter", "black", "airflow", "croniter", "libcst",
)  # fmt: skip


@pytest.mark.parametrize("how", ["script", "module", "console script"])
def test_the_first_question_imports_only_what_it_needs(how: str, tmp_path: Path) -> None:
    """``python create_dag.py``, ``python -m createdag`` and the installed ``create-dag`` take the
    same path to the first question, and it imports nothing a later answer needs (what it costs
    is measured in bench/startup.py; this checks the cause)."""
    import pexpect

    child = pexpect.spawn(sys.executable, ["-c", _AT_THE_FIRST_QUESTION, how, str(REPO)], cwd=str(tmp_path),
                          env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"},
                          encoding="utf-8", dimensions=(40, 120), timeout=60)  # fmt: skip
    child.expect(r"MODULES (.*) END")
    modules = set(child.match[1].split())
    child.close(force=True)
    assert "createdag.questions" in modules and "DAG id" in str(child.before)
    assert sorted(modules.intersection(NOT_BEFORE_THE_FIRST_QUESTION)) == []
    assert not any(name.split(".")[0] in NOT_BEFORE_THE_FIRST_QUESTION for name in modules)
