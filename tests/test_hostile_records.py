"""Files the tool reads back are untrusted: records, DAG sources, odd encodings.

Records are committed, so a pull request can plant or edit one and ``update``
in CI then acts on it. Every path they name must stay inside the dags folder
(after symlinks), every field is type-checked with a message naming the file
and the field, and a record must agree with itself. ``adopt`` never takes
over another DAG's record. A ``.py`` file that cannot be parsed is reported
and skipped by every scan. ``update`` keeps a BOM and CRLF line ends and
skips a file that is not UTF-8 while it updates the others.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import write_dag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from createdag import records
from createdag.cli import main
from createdag.errors import RecordError


def record_of(dags: Path, dag_id: str = "sales_daily") -> Path:
    return records.record_path(dags, dag_id)


def edit_record(record: Path, **changes: Any) -> None:
    data = json.loads(record.read_text(encoding="utf-8"))
    data.update(changes)
    record.write_text(json.dumps(data), encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links not followed) and its bytes."""
    import os

    found = {}
    for here, _, names in os.walk(folder):
        for name in names:
            path = Path(here) / name
            if not path.is_symlink():
                found[str(path.relative_to(folder))] = path.read_bytes()
    return found


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """A dags folder with one generated DAG, and a sibling file update must never touch."""
    dags = tmp_path / "dags"
    dags.mkdir()
    write_dag(dags)
    (tmp_path / "outside.txt").write_text("precious", encoding="utf-8")
    return tmp_path, dags


@pytest.mark.parametrize(
    "path",
    ["../outside.txt", "/etc/passwd", "sub/../../outside.txt", "", "link/outside.txt"],
    ids=["dotdot", "absolute", "dotdot-inside", "empty", "symlink-out"],
)
def test_record_path_outside_the_dags_folder_is_refused(repo, capsys, path: str) -> None:
    root, dags = repo
    (dags / "link").symlink_to(root, target_is_directory=True)
    edit_record(record_of(dags), path=path)
    before = snapshot(root)
    assert main(["update", "-o", str(dags), "--all", "--set", "retries=5"]) == 1
    err = capsys.readouterr().err
    assert str(record_of(dags)) in err and "path" in err and "Traceback" not in err
    assert (root / "outside.txt").read_text() == "precious"
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("answers", ["not", "a", "mapping"], "field answers must be a mapping"),
        ("pristine", 42, "field pristine must be text"),
        ("template", "v1", "field template must map names to text"),
        ("pending", [1], "field pending must be a mapping"),
        ("dag_id", 7, "field dag_id must be text"),
        ("format", "1", "field format must be a whole number"),
        ("path", None, "field path must be text"),
        ("dag_id", "../evil", "is not a dag_id"),
    ],
)
def test_record_field_of_the_wrong_type_names_file_and_field(repo, capsys, field: str, value: Any, words: str) -> None:
    _, dags = repo
    edit_record(record_of(dags), **{field: value})
    assert main(["update", "-o", str(dags)]) == 1
    err = capsys.readouterr().err
    assert words in err and str(record_of(dags)) in err and "Traceback" not in err


def test_record_must_agree_with_itself(repo, capsys) -> None:
    _, dags = repo
    rec = json.loads(record_of(dags).read_text())
    rec["answers"]["dag_id"] = "someone_else"
    record_of(dags).write_text(json.dumps(rec))
    assert main(["update", "-o", str(dags), "--all", "--set", "retries=4"]) == 1
    assert "answers.dag_id is 'someone_else', not the record's 'sales_daily'" in capsys.readouterr().err
    renamed = dags / ".create_dag" / "renamed.json"
    shutil.move(record_of(dags), renamed)  # a record filed under another name
    assert main(["update", "-o", str(dags)]) == 1
    assert "its file is named renamed.json" in capsys.readouterr().err


def test_record_dag_id_never_names_a_file_outside_its_folder(tmp_path: Path) -> None:
    for bad in ("../x", "a/b", "..", "", "x\x00y"):
        with pytest.raises(RecordError):
            records.record_path(tmp_path, bad)


def test_adopt_never_takes_over_another_dags_record(repo, capsys) -> None:
    _, dags = repo
    theirs = record_of(dags).read_bytes()
    mine = dags / "mine.py"
    mine.write_text((dags / "sales_daily.py").read_text().replace('"sales_daily"', '"mine_daily"'))
    assert main(["adopt", str(mine), "-o", str(dags), "--set", "dag_id=sales_daily", "--yes"]) == 1
    assert "already recorded" in capsys.readouterr().err
    assert record_of(dags).read_bytes() == theirs


def test_unparseable_files_are_skipped_by_scans_and_reported_by_adopt(repo, capsys) -> None:
    _, dags = repo
    (dags / "deep.py").write_text("x = " + "(" * 200_000 + ")" * 200_000 + "\nDAG = 1\n")
    (dags / "recursive.py").write_text("DAG = " + "+".join(["1"] * 300_000) + "\n")  # RecursionError
    (dags / "memory.py").write_text("DAG = " + "-" * 100_000 + "1\n")  # MemoryError
    # long left-nested chains: a segfault in Python 3.10's ast.parse unless parsed on a deep stack
    (dags / "calls.py").write_text("DAG = f" + "()" * 300_000 + "\n")
    (dags / "attrs.py").write_text("DAG = a" + ".b" * 300_000 + "\n")
    (dags / "latin.py").write_bytes("# café\nDAG = 1\n".encode("latin-1"))
    from createdag.create import create
    from createdag.settings import Settings

    made = create([{"dag_id": "second_daily", "image": "ghcr.io/acme/x:1.0.0", "owner": "me"}], Settings(dags))
    reported = " ".join(made.notices)  # the uniqueness scan reads the folder: it must not stop, and says so
    assert "deep.py does not parse" in reported and "latin.py is not UTF-8 text" in reported
    if sys.version_info >= (3, 11):  # 3.10 has no depth guard: the tool parses it on a deep stack instead
        assert "recursive.py cannot be parsed (RecursionError)" in reported
    assert "memory.py cannot be parsed (MemoryError)" in reported
    assert main(["update", "-o", str(dags), "--all", "--set", "retries=1"]) == 0
    capsys.readouterr()
    for bad in ("deep.py", "latin.py", "recursive.py", "memory.py", "calls.py", "attrs.py"):
        assert main(["adopt", str(dags / bad), "-o", str(dags), "--yes"]) == 1
        err = capsys.readouterr().err
        assert str(dags / bad) in err and "Traceback" not in err


def test_update_keeps_bom_and_crlf(repo) -> None:
    _, dags = repo
    path = dags / "sales_daily.py"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert main(["update", "-o", str(dags), "--all", "--set", "retries=4"]) == 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert b'"retries": 4' in data


def test_update_skips_a_file_that_is_not_utf8_and_updates_the_rest(repo, capsys) -> None:
    _, dags = repo
    write_dag(dags, dag_id="other_daily")
    broken = dags / "other_daily.py"
    broken.write_bytes(broken.read_bytes().replace(b"# ", "# é ".encode("latin-1"), 1) + "# ü\n".encode("latin-1"))
    assert main(["update", "-o", str(dags), "--all", "--set", "retries=4"]) == 1
    err = capsys.readouterr().err
    assert f"{broken} is not UTF-8 text" in err and "Traceback" not in err
    assert '"retries": 4' in (dags / "sales_daily.py").read_text()


def test_interrupted_update_says_how_many_dags_it_updated(repo, capsys, monkeypatch) -> None:
    _, dags = repo
    write_dag(dags, dag_id="b_daily")
    write_dag(dags, dag_id="c_daily")
    from createdag import output

    calls = []

    def interrupt_second(path: Path, text: str, *, force: bool = False) -> None:
        calls.append(path)
        if len(calls) == 3:  # the first DAG and its record went through; Ctrl-C at the second DAG
            raise KeyboardInterrupt
        output_write(path, text, force=force)

    output_write = output.write_atomic
    monkeypatch.setattr(output, "write_atomic", interrupt_second)
    assert main(["update", "-o", str(dags), "--all", "--set", "retries=4"]) == 130
    err = capsys.readouterr().err
    assert "updated 1 of 3 DAG(s) (b_daily), each with its record; the others are unchanged" in err


# --- hypothesis: whatever a record holds, update and adopt end with a message ---------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
PATHS = st.sampled_from(["sales_daily.py", "../outside.txt", "/tmp", "x/../../y", "", ".", "sub/x.py"]) | st.text(
    max_size=30
)
RECORDS = st.fixed_dictionaries(
    {},
    optional={
        "dag_id": st.sampled_from(["sales_daily", "../x", ""]) | JSON,
        "path": PATHS | JSON,
        "answers": st.dictionaries(st.sampled_from(["dag_id", "retries", "image", "schedule", "x"]), JSON) | JSON,
        "template": st.dictionaries(st.text(max_size=5), st.text(max_size=5)) | JSON,
        "pristine": st.text(max_size=50) | JSON,
        "pending": st.none() | JSON,
        "format": st.integers(-1, 3) | JSON,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=RECORDS)
def test_any_record_gives_a_message_and_writes_nothing_outside(tmp_path_factory, record: dict[str, Any]) -> None:
    root = tmp_path_factory.mktemp("hostile")
    dags = root / "dags"
    dags.mkdir()
    (root / "outside.txt").write_text("precious")
    (dags / ".create_dag").mkdir()
    (dags / ".create_dag" / "sales_daily.json").write_text(json.dumps(record))
    before = snapshot(root)
    code = main(["update", "-o", str(dags), "--all", "--set", "retries=3"])  # anything else than exit codes fails here
    assert code in (0, 1)
    after = snapshot(root)
    assert after.get("outside.txt") == b"precious"
    changed = {name for name in after if before.get(name) != after[name]}
    assert all(name.startswith("dags/") for name in changed), changed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=st.text(max_size=300) | st.sampled_from(["DAG(", "from x import DAG\nDAG(dag_id=1)", "@dag\ndef f(): pass"]))
def test_any_dag_source_gives_adopt_a_message(tmp_path_factory, source: str) -> None:
    dags = tmp_path_factory.mktemp("adopt") / "dags"
    dags.mkdir()
    path = dags / "hand.py"
    path.write_text(source, encoding="utf-8", errors="surrogateescape")
    assert main(["adopt", str(path), "-o", str(dags), "--yes"]) in (0, 1)
