"""Ctrl-C while the command's modules still load (a slow, loaded machine) ends like any other
interrupt: a message and exit code 130, no traceback (tests/test_faults.py sends the signal
0.3 s after start, which lands there when imports are slow; this holds it without timing)."""

from __future__ import annotations

import pytest

from createdag import cli
from createdag.errors import EXIT_INTERRUPTED


def test_an_interrupt_while_the_command_loads_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(name: str | None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_command_module", interrupted)
    assert cli.main(["--no-input"]) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "Interrupted: nothing was written." in err
    assert "Traceback" not in err
