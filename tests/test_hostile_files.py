"""Answers files are input from strangers: bounded, strict, and never a traceback.

Each class of hostile file is refused quickly with a message that names the
file and the fix, through the real ``create_dag.py`` in a subprocess (exit 1,
no traceback, nothing written), and hypothesis throws generated files at the
CLI in-process to show that nothing else escapes either.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from createdag import sources
from createdag.errors import MESSAGE_MAX, AnswersFileError, BadValue, InvalidAnswer, cut, shown
from createdag.sources import load_answers_file

REPO = Path(__file__).resolve().parent.parent
OK = "dag_id: fine\nimage: busybox:1.36\nstart_date: '2026-01-01'\n"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "create_dag.py"), *args], check=False, cwd=cwd,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def alias_bomb(levels: int = 9) -> str:
    """The 'billion laughs': 9 ** 9 (387 million) strings from under 1 KB of YAML."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghijklmnop"[: levels - 1]:
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
        previous = name
    return "\n".join([*lines, "dag_id: bomb", "image: busybox:1.36", f"tags: *{previous}"]) + "\n"


#: name -> (file content, what the message must say)
HOSTILE: dict[str, tuple[str | bytes, str]] = {
    "bomb.yaml": (alias_bomb(), "values once its YAML aliases"),
    "recursive.yaml": ("dag_id: a\nimage: b\ntags: &t [x, *t]\n", "cannot be recursive"),
    "deep.json": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "deep.yaml": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "deep_block.yaml": ("".join(" " * i + "a:\n" for i in range(2000)), "nested too deeply"),
    "just_deep.json": ('{"dag_id": "a", "image": "b", "tags": ' + "[" * 50 + "]" * 50 + "}", "nested too deeply"),
    "latin1.yaml": ("dag_id: café\nimage: b\n".encode("latin-1"), "not UTF-8 text (byte 12, line 1)"),
    "utf16.json": ('{"dag_id": "a"}'.encode("utf-16"), "not UTF-8 text"),
    "twice.yaml": ("dag_id: a\nimage: b\ndag_id: c\n", "key 'dag_id' is given twice"),
    "twice_flow.yaml": ("[{dag_id: a, image: b, image: c}]\n", "key 'image' is given twice"),
    "twice_nested.yaml": ("dag_id: a\nimage: b\nsecrets: [{env: A, env: B, secret: s, key: k}]\n", "given twice"),
    "twice.json": ('[{"dag_id": "a", "image": "b", "dag_id": "c"}]', "key 'dag_id' is given twice"),
    "hex.yaml": ("dag_id: a\nimage: b\nretries: 0x" + "f" * 5000 + "\n", "too large"),
    "digits.json": ('{"dag_id": "a", "retries": ' + "9" * 5000 + "}", "more than 4,300 digits"),
    "digits.yaml": ("dag_id: a\nretries: " + "9" * 5000 + "\n", "more than 4,300 digits"),
    "bad_date.yaml": ("dag_id: a\nimage: b\nstart_date: 2026-02-30\n", "a value cannot be read"),
    "python_tag.yaml": ("dag_id: !!python/object/apply:os.system [id]\n", "not valid YAML"),
    "empty_timestamp.yaml": ("dag_id: !!timestamp ' '\n", "a tagged value (!!...) cannot be read"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_refused_fast_with_a_message(tmp_path: Path, name: str) -> None:
    content, message = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    started = time.perf_counter()
    with pytest.raises(AnswersFileError, match=re.escape(message)) as info:
        load_answers_file(path)
    assert time.perf_counter() - started < 10  # the bomb took 43 s and 3 GB before; now about 1 ms (slack: a busy CI)
    assert str(path) in str(info.value)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize("name", ["bomb.yaml", "deep.json", "latin1.yaml", "twice.yaml", "digits.json"])
def test_cli_refuses_hostile_file_without_traceback_or_writing(tmp_path: Path, name: str) -> None:
    content, message = HOSTILE[name]
    (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    started = time.perf_counter()
    result = cli("--answers", name, "-o", "dags", cwd=tmp_path)
    assert time.perf_counter() - started < 30  # a process start under load; the bomb alone took 43 s
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and message.split("(")[0].strip() in result.stderr
    assert len(result.stderr) < 500
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


def test_file_over_the_size_limit_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text(OK + "description: " + "x" * 2000 + "\n")
    with pytest.raises(AnswersFileError, match="split it into several answers files"):
        load_answers_file(path)


def test_endless_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    monkeypatch.setattr(sources, "MAX_BYTES", 2**20)
    with pytest.raises(AnswersFileError, match="larger than 1 MiB"):
        load_answers_file(Path("/dev/zero"))


def test_well_formed_files_still_load(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    # a BOM, a merge key whose keys the DAG overrides, an alias used twice
    path.write_text(
        "\ufeff- &base {image: 'busybox:1.36', owner: data, tags: &t [a, b]}\n"
        "- <<: *base\n  dag_id: second\n  owner: ml\n  tags: *t\n",
        encoding="utf-8",
    )
    first, second = load_answers_file(path)
    assert first == {"image": "busybox:1.36", "owner": "data", "tags": ["a", "b"]}
    assert second == {"image": "busybox:1.36", "owner": "ml", "dag_id": "second", "tags": ["a", "b"]}
    (tmp_path / "a.json").write_text(
        "\ufeff" + json.dumps({"dag_id": "x", "secrets": [{"env": "A"}]}), encoding="utf-8"
    )
    assert load_answers_file(tmp_path / "a.json") == [{"dag_id": "x", "secrets": [{"env": "A"}]}]


def test_aliases_are_counted_once_each_not_expanded(tmp_path: Path) -> None:
    """Many DAGs sharing one anchored list stay far under the limit and load fast."""
    path = tmp_path / "shared.yaml"
    entries = "".join(f"- {{dag_id: d{n}, image: 'b:1', tags: *t}}\n" for n in range(2000))
    path.write_text(
        "- {dag_id: d, image: 'b:1', tags: &t [" + ", ".join(f"t{n}" for n in range(100)) + "]}\n" + entries
    )
    assert len(load_answers_file(path)) == 2001


# --- values echoed in messages --------------------------------------------------------


def test_shown_cuts_any_value() -> None:
    text = shown("x" * 10_000_000)
    assert len(text) < 100 and "10,000,000 characters" in text
    assert len(shown(list(range(10**6)))) < 100
    assert len(shown({"k" * 1000: ["v" * 1000] * 1000})) < 200
    assert "bits" in shown(1 << 20000)  # str() of it would raise


def test_messages_are_cut_in_the_middle_keeping_the_fix() -> None:
    message = "'" + "x" * 10**6 + "' is not a whole number"
    assert cut(message).endswith("is not a whole number") and len(cut(message)) <= MESSAGE_MAX
    assert len(str(BadValue(message))) <= MESSAGE_MAX
    problem = InvalidAnswer("k" * 10**5, message, "a.yaml")
    assert len(str(problem)) < MESSAGE_MAX + 120
    assert cut("short") == "short"


@pytest.mark.parametrize(
    ("key", "value"),
    [("retries", "9x" * 500_000), ("namespace", "N" * 10**6), ("timezone", "Europe/" + "P" * 10**5),
     ("start_date", "2026" * 10**5), ("tags", ["t" * 10**6]), ("owner", ["o"] * 10**5),
     ("description", {"a": "b" * 10**6}), ("nokey" * 10**4, 1), ("dag_id", "a b" * 10**5)],
)  # fmt: skip
def test_long_values_in_a_file_give_a_readable_message(tmp_path: Path, key: str, value: object) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"dag_id": "long_values", "image": "busybox:1", key: value}))
    result = cli("--answers", "a.json", "-o", "dags", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr) < 1500, result.stderr[:3000]
    assert not (tmp_path / "dags").exists()


# --- generated files --------------------------------------------------------------------

KEYS = ["dag_id", "image", "tags", "retries", "secrets", "schedule", "start_date", "alerts", "owner", "x"]
FRAGMENTS = [
    "dag_id: ", "image: ", "tags: ", "retries: ", "secrets: ", "start_date: ", "<<: ", "&a ", "*a", "&b ", "*b",
    "[", "]", "{", "}", ", ", ": ", "- ", "\n", "\n  ", "\n    ", "'", '"', "!!binary ", "!!set ", "!!omap ",
    "!!python/object/apply:os.system ", "!!timestamp ", "0x", "1e999", "2026-02-30", "---\n", "...\n", "? ",
    "../../outside", "/tmp/x", "\t", "\x00", "\ufeff", "\udcff", "é", "{{ ds }}", "null", "~", "yes", "9" * 30,
    "a" * 300, "\\", "#", "%YAML 1.1\n", "@", "`",
]  # fmt: skip
yaml_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=40).map("".join)


def nested(inner: st.SearchStrategy) -> st.SearchStrategy:
    keys = st.sampled_from(KEYS) | st.text(max_size=5)
    return st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5)


scalar = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.sampled_from(FRAGMENTS)
json_value = st.recursive(scalar, nested, max_leaves=20)
answers_file = st.one_of(
    yaml_text.map(lambda text: ("a.yaml", text.encode("utf-8", "surrogatepass"))),
    json_value.map(lambda value: ("a.json", json.dumps(value).encode())),
    json_value.map(lambda value: ("a.yaml", json.dumps(value).encode())),  # JSON is YAML
    st.binary(max_size=60).map(lambda data: ("a.yaml", data)),
    st.dictionaries(st.sampled_from(KEYS), json_value, max_size=6).map(
        lambda d: ("a.json", json.dumps({"dag_id": "gen", "image": "busybox:1", **d}).encode())
    ),
)


def snapshot(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*")}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(item=answers_file)
def test_generated_files_never_escape_as_a_traceback(
    tmp_path_factory: pytest.TempPathFactory, item: tuple[str, bytes]
) -> None:
    from createdag.cli import main

    name, content = item
    root = tmp_path_factory.mktemp("gen")
    (root / name).write_bytes(content)
    before = snapshot(root)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        code = main(["--answers", name, "-o", "dags"])  # any exception fails the test
    finally:
        os.chdir(cwd)
    assert code in (0, 1)
    after = {path: stamp for path, stamp in snapshot(root).items() if not path.startswith("dags")}
    assert after == before  # nothing written outside the dags folder, the file untouched
