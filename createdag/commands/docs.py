"""Read the docs that came with the tool: every doc a message points at, from the wheel itself.

Without TOPIC, lists the topics with their titles. With one, prints that doc
(Markdown): through your pager ($PAGER, else less) when stdout is a terminal,
plain when piped or redirected, so `docs usage | grep -- --set` works.
--path prints where the file is instead (to open it in an editor, or in a
Markdown viewer).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from createdag.commands import say
from createdag.errors import EXIT_OK, UserError
from createdag.resources import doc_topics

INTERRUPTED = "docs writes nothing."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("topic", nargs="?", metavar="TOPIC", help="a doc's name, e.g. usage (none: list them)")
    parser.add_argument("--path", action="store_true", help="print the doc's file path instead of the doc")


def title(path: Path) -> str:
    """A doc's first heading, without the leading #."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return ""


def find(topic: str) -> Path:
    known = doc_topics()
    wanted = topic.lower().removesuffix(".md").removeprefix("docs/")
    if wanted in known:
        return known[wanted]
    starting = [name for name in known if name.startswith(wanted)]
    if wanted and len(starting) == 1:
        return known[starting[0]]
    close = difflib.get_close_matches(wanted, known, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UserError(f"no doc named {topic!r}: {hint}the docs are {', '.join(known)}")


def run(args: argparse.Namespace) -> int:
    from createdag.invocation import docs_hint

    if args.topic is None:
        known = doc_topics()
        width = max(map(len, known), default=0)
        for name, path in known.items():
            print(f"  {name:{width}}  {title(path)}")
        say(f"read one with: {docs_hint('TOPIC')}")
        return EXIT_OK
    path = find(args.topic)
    if args.path:
        print(path)
        return EXIT_OK
    text = path.read_text(encoding="utf-8")
    if sys.stdout.isatty():
        import pydoc

        pydoc.pager(text)  # $MANPAGER / $PAGER, else less, else more; plain if none works
    else:
        sys.stdout.write(text)
    return EXIT_OK
