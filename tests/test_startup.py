"""Startup stays light: the first question must not wait for heavy imports.

Timing lives in bench/startup.py (numbers in docs/performance.md); this
checks the cause instead: what is imported before the first prompt.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
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
