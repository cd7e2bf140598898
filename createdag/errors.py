"""Every error create_dag raises on purpose, in one place.

The CLI turns these into exit codes (see ``cli.main``); nothing else decides
how the process ends. A ``UserError`` message is shown as is, so each one says
what went wrong *and* what to do about it.
"""

from __future__ import annotations

import reprlib
from typing import Any

EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_INTERNAL_ERROR = 2
#: ``--check``: the files were written, and Airflow cannot load one of them (1 means nothing written)
EXIT_CHECK_FAILED = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, what shells report for a terminated process


class CreateDagError(Exception):
    """Base class: anything create_dag raises deliberately."""

    exit_code = EXIT_INTERNAL_ERROR


class UserError(CreateDagError):
    """Something the user can fix: bad input, a refused overwrite, no terminal."""

    exit_code = EXIT_USER_ERROR


#: A message longer than this is cut in its middle (see ``cut``): a value pasted
#: or read from a file may be megabytes long, and a message is read by a person.
MESSAGE_MAX = 700

SHOWN_MAX = 120  # what ``shown`` gives at most, before a note of the length

_SHOWN = reprlib.Repr()
_SHOWN.maxstring = 60
_SHOWN.maxother = 60
_SHOWN.maxlong = 40
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxset = _SHOWN.maxfrozenset = 5
_SHOWN.maxdict = 4
_SHOWN.maxlevel = 3


def shown(value: Any) -> str:
    """A value as a message quotes it: ``repr``, at most about 60 characters, with
    ``...`` where it was cut. Cheap for any size, since the full repr is never built.
    Validators quote values with it; ``cut`` is the net for every other message."""
    try:
        text = _SHOWN.repr(value)
    except ValueError:  # an int past sys.get_int_max_str_digits()
        return f"<a number of {value.bit_length()} bits>" if isinstance(value, int) else "<a value>"
    if len(text) > SHOWN_MAX:  # a container of many long items
        text = f"{text[: SHOWN_MAX // 2 - 2]}...{text[-(SHOWN_MAX // 2 - 2) :]}"
    if isinstance(value, str) and len(value) > _SHOWN.maxstring:
        text += f" ({len(value):,} characters)"
    return text


def cut(message: str, limit: int = MESSAGE_MAX) -> str:
    """``message`` if it is at most ``limit`` characters, else its start and its end
    (where the fix is said) around a note of how much was left out."""
    if len(message) <= limit:
        return message
    keep = limit // 2 - 30  # room for the note
    return f"{message[:keep]} ... [{len(message) - 2 * keep:,} characters cut] ... {message[-keep:]}"


class BadValue(UserError):
    """Raised by a validator with the reason only; ``answers`` adds the key.

    The message is cut to ``MESSAGE_MAX`` here, whoever built it: it may quote
    a value of any length.
    """

    def __init__(self, message: str) -> None:
        super().__init__(cut(message))


class InvalidAnswer(UserError):
    """One answer failed its check. ``key`` names the question."""

    def __init__(self, key: str, message: str, source: str | None = None) -> None:
        self.key = key if len(key) <= 80 else shown(key)  # an unknown key may be any text
        self.reason = cut(message)
        self.source = source
        where = f" ({source})" if source else ""
        super().__init__(f"{self.key}{where}: {self.reason}")


class InvalidAnswers(UserError):
    """Several answers (or several DAGs of a batch) failed; all are reported at once."""

    def __init__(self, problems: list[InvalidAnswer]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class AnswersFileError(UserError):
    """An answers file could not be read or has the wrong shape."""


class OutputExists(UserError):
    """A file would be replaced without ``--force``."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"{path} already exists: choose another dag_id, or pass --force to replace it"
        )


class NoTerminal(UserError):
    """Prompting was needed but stdin is not a terminal."""

    def __init__(self) -> None:
        super().__init__(
            "standard input is not a terminal, so create_dag cannot ask questions: "
            "pass --no-input with --set KEY=VALUE or --answers FILE"
        )


class RenderError(CreateDagError):
    """The template produced something that is not valid Python: a bug in dag_template/."""


class ConfigError(UserError):
    """The team config is unreadable or has a bad setting; the message names file, key and fix."""


class RecordError(UserError):
    """A record file cannot be read or does not match what update needs."""


class NotRecorded(UserError):
    """A path given to update is not a recorded DAG."""


class UnreadableSource(UserError):
    """A DAG file cannot be read or parsed (never imported): the message names it and the reason."""


class GitMissing(UserError):
    """update merges with ``git merge-file``, and git is not on PATH."""

    def __init__(self) -> None:
        super().__init__(
            "update merges with 'git merge-file', and git is not installed: install git and run again"
        )


class Terminated(KeyboardInterrupt):
    """SIGTERM (CI cancellation, Kubernetes, ``timeout``): handled like Ctrl-C, so every
    clean-up that runs on an interruption runs on it too."""


class Interrupted(UserError):
    """A run stopped by a signal after it had written something: the message says what is on disk."""

    def __init__(self, message: str, signal: KeyboardInterrupt) -> None:
        super().__init__(message)
        self.exit_code = EXIT_TERMINATED if isinstance(signal, Terminated) else EXIT_INTERRUPTED


class WriteFailed(UserError):
    """The machine refused a write (disk full, read-only, permission, name too long): the
    message names the path, the reason, the fix and what is on disk now."""


class PatternError(ConfigError):
    """``dag_id_pattern`` cannot be used; the message says why, ``config.parse_config`` adds where."""


class MissingResource(CreateDagError):
    """A file the tool ships is absent: a broken install, not something the user typed."""
