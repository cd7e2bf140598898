"""Startup stays light: the first question must not wait for heavy imports.

Timing lives in bench/startup.py (numbers in docs/performance.md); this
checks the cause instead: what is imported before the first prompt.
"""

from __future__ import annotations

import json
import subprocess
import sys
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
