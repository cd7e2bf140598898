"""Showing untrusted text: file names, dag_ids, task ids, Airflow's messages, values read from files.

A CI log is a command channel: GitHub Actions reads every line of a step's
stdout and stderr, and one that starts with ``::`` (after any spaces) is a
workflow command (``::error``, ``::add-mask``, ``::stop-commands``), as is
``##[`` anywhere in a line (the older syntax). A dags folder can hold a file
named ``::error::x.py`` or one whose name holds a newline, and a syntax error
in it is enough for ``check`` to name it. So:

* ``printable(value)`` is how every untrusted value enters a message: each
  character that could break a line or hide text (control characters, CR and
  LF, Unicode line and paragraph separators, bidi overrides, the bytes of a
  name that is not UTF-8) is shown as an escape (``\\n``, ``\\x1b``,
  ``\\u2028``, ``\\xff``), so one value is one piece of one line;
* ``line_safe(message)`` is what every printed message passes through on its
  way out (``commands.say`` for stderr, ``commands.out`` for stdout): the
  tool's own line breaks stay, every other control character is escaped, and
  no line can start a workflow command (a ``\\`` goes before a leading ``::``
  and inside ``##[``).

The annotations ``check`` prints under GitHub Actions are workflow commands
on purpose; they are escaped by ``checking.escape_data`` instead.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a name that is not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(value: object, *, keep: str = "") -> str:
    """``value`` as text that stays on one line and shows what it holds: every character
    that is not printable (space aside) is written as its escape. Cheap when there is none.

    ``keep`` names characters to leave for the caller to escape its own way (a workflow
    command's ``%0A``, which GitHub turns back into the newline of the file's real name)."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    kept = f" {keep}"
    return "".join(char if char.isprintable() or char in kept else _escaped(char) for char in text)


def _line(line: str) -> str:
    if not line.isprintable():
        line = "".join(char if char.isprintable() or char in " \t" else _escaped(char) for char in line)
    stripped = line.lstrip()
    if stripped.startswith("::"):
        start = len(line) - len(stripped)
        line = f"{line[:start]}\\{line[start:]}"
    if "##[" in line:
        line = line.replace("##[", "#\\#[")
    return line


def line_safe(message: str) -> str:
    """``message`` ready to print: its ``\\n`` line breaks kept, every other control character
    escaped, and no line able to start a workflow command."""
    if message.isprintable() and "::" not in message and "##[" not in message:
        return message
    return "\n".join(_line(line) for line in message.split("\n"))


def is_command(line: str) -> bool:
    """Would a CI runner read ``line`` as a workflow command? (What the tests assert never
    happens for a line the tool prints outside ``check``'s own annotations.)"""
    return line.lstrip().startswith("::") or "##[" in line
