"""The team config is input from anyone who can open a pull request on the dags repo.

Its dag_id pattern is checked on every key press, so no pattern may take
more than linear time (RE2; what RE2 cannot do is refused when the config is
read), and its image registry admits images at a path boundary only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from createdag.config import ConfigError, TeamConfig, image_in_registry, load_team_config

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, str(REPO / "create_dag.py")]

#: Patterns that take exponential or high-polynomial time in a backtracking engine.
CATASTROPHIC = [
    "(a+)+b", "(a|a)*b", "(a|aa)+c", "([a-z]+)*__v[0-9]+", "(\\w+_?)*x", "(.*a){12}b",
    "a*a*a*a*a*a*a*a*a*a*a*a*b", "([a-z0-9]|[a-z])+\\.", "(_|[a-z_])*v",
]  # fmt: skip


def cli(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def team_repo(root: Path, **settings: str) -> Path:
    lines = [f"{key} = {value!r}" for key, value in settings.items()]
    (root / ".create_dag.toml").write_text("\n".join(lines) + '\noutput_dir = "dags"\n', encoding="utf-8")
    return root


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_no_pattern_takes_more_than_linear_time(pattern: str) -> None:
    team = TeamConfig(dag_id_pattern=pattern, dag_id_example="unused")
    started = time.perf_counter()
    for length in range(1, 251):  # as the prompt checks it: once per key press
        for filler in ("a", "_", "a_"):
            team.dag_id_matches((filler * length)[:length] + "!")
    assert time.perf_counter() - started < 20  # linear: well under 1 s idle; a backtracking engine takes hours


def test_catastrophic_pattern_cannot_hang_create(tmp_path: Path) -> None:
    """Seen: ``(a+)+b`` against a dag_id of 30 'a's ran past 20 s in Python's ``re``."""
    team_repo(tmp_path, dag_id_pattern="(a+)+b", dag_id_example="aab")
    started = time.perf_counter()
    result = cli("--no-input", "--set", "dag_id=" + "a" * 200, "--set", "image=busybox:1", cwd=tmp_path, timeout=40)
    assert time.perf_counter() - started < 30  # the old engine: 2 ** 200 steps
    assert result.returncode == 1 and "naming rule" in result.stderr and "Traceback" not in result.stderr


def test_catastrophic_pattern_cannot_hang_the_prompt(tmp_path: Path) -> None:
    team_repo(tmp_path, dag_id_pattern="(a|aa)+c", dag_id_example="aac")
    child = pexpect.spawn(CLI[0], CLI[1:], cwd=str(tmp_path), encoding="utf-8", timeout=30, dimensions=(50, 400),
                          env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"})  # fmt: skip
    child.expect_exact("DAG id")
    child.send("a" * 60)  # 60 checks, the last one of 60 characters
    child.expect_exact("naming rule")
    child.send("c\r")
    child.expect_exact("When runs start")  # accepted: the schedule is next
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(?=a)a+", "no look-around or back-references"),
        ("(?P<x>a)(?P=x)", "no look-around or back-references"),
        ("(a{1000}){1000}", "RE2 accepts"),
        ("((a{100}){100}){100}", "RE2 accepts"),
        ("[a-z" * 200, "characters long"),
        ("[a-z", "not a regular expression"),
    ],
)
def test_unusable_pattern_is_refused_when_the_config_is_read(tmp_path: Path, pattern: str, message: str) -> None:
    team_repo(tmp_path, dag_id_pattern=pattern, dag_id_example="a")
    with pytest.raises(ConfigError, match=message) as info:
        load_team_config(tmp_path)
    assert str(tmp_path / ".create_dag.toml") in str(info.value) and len(str(info.value)) < 400
    result = cli("--no-input", "--set", "dag_id=a", "--set", "image=b:1", cwd=tmp_path)
    assert result.returncode == 1 and message in result.stderr
    assert "Traceback" not in result.stderr and "absl" not in result.stderr and "re2.cc" not in result.stderr


def test_pattern_still_works_as_a_naming_rule(tmp_path: Path) -> None:
    team = load_team_config(team_repo(tmp_path, dag_id_pattern="[a-z][a-z0-9_]*__v[0-9]+", dag_id_example="a__v1"))
    assert team.dag_id_matches("orders__v12")
    assert not team.dag_id_matches("orders__v12x") and not team.dag_id_matches("1orders__v1")
    assert not team.dag_id_matches("Orders__v1") and not team.dag_id_matches("a__v1\n")
    assert TeamConfig().dag_id_matches("anything")


# --- image_registry ------------------------------------------------------------------------

ADMITTED = [
    ("ghcr.io/acme", "ghcr.io/acme/etl:1.4.2"),
    ("ghcr.io/acme/", "ghcr.io/acme/etl:1.4.2"),
    ("ghcr.io/acme", "ghcr.io/acme/team/etl@sha256:" + "a" * 64),
    ("ghcr.io/acme", "ghcr.io/acme/etl:1.4@sha256:" + "b" * 64),
    ("ghcr.io/acme", "ghcr.io/acme:1.0"),  # the registry path is a repository itself
    ("ghcr.io/acme/etl", "ghcr.io/acme/etl@sha256:" + "c" * 64),
    ("ghcr.io/acme/etl", "ghcr.io/acme/etl"),
    ("ghcr.io", "ghcr.io/anyone/etl:1"),
    ("localhost:5000/team", "localhost:5000/team/etl:1"),
    ("localhost:5000", "localhost:5000/etl"),
]
REFUSED = [
    ("ghcr.io/acme", "ghcr.io/acmeevil/etl:1"),
    ("ghcr.io/acme/", "ghcr.io/acmeevil/etl:1"),
    ("ghcr.io/acme", "ghcr.io/acme-evil:1"),
    ("ghcr.io/acme/etl", "ghcr.io/acme/etl-evil:1"),
    ("ghcr.io/acme", "ghcr.io/acme/../evil/etl:1"),
    ("ghcr.io/acme", "ghcr.io/acme//etl:1"),
    ("ghcr.io/acme", "ghcr.io.evil.com/acme/etl:1"),
    ("ghcr.io", "ghcr.io:443/acme/etl:1"),  # another port is another registry
    ("ghcr.io", "ghcr.io"),
    ("ghcr.io/acme", "docker.io/ghcr.io/acme/etl:1"),
    ("ghcr.io/acme", "busybox:1.36"),
]


@pytest.mark.parametrize(("registry", "image"), ADMITTED)
def test_registry_admits_images_under_its_path(registry: str, image: str) -> None:
    assert image_in_registry(image, registry)
    assert TeamConfig(image_registry=registry).admits_image(image)


@pytest.mark.parametrize(("registry", "image"), REFUSED)
def test_registry_refuses_images_past_its_path_boundary(registry: str, image: str) -> None:
    assert not image_in_registry(image, registry)


def test_registry_boundary_through_the_cli(tmp_path: Path) -> None:
    team_repo(tmp_path, image_registry="ghcr.io/acme")
    refused = cli("--no-input", "--set", "dag_id=a", "--set", "image=ghcr.io/acmeevil/etl:1", cwd=tmp_path)
    assert refused.returncode == 1 and "not from this repo's registry" in refused.stderr
    assert not (tmp_path / "dags").exists()
    admitted = cli("--no-input", "--set", "dag_id=a", "--set", "image=ghcr.io/acme/etl:1", cwd=tmp_path)
    assert admitted.returncode == 0, admitted.stderr


@pytest.mark.parametrize(
    ("registry", "message"),
    [("", "not a registry path"), ("/", "not a registry path"), ("ghcr.io/ acme", "not a registry path"),
     ("ghcr.io/acme/etl:1.2", "has a tag"), ("ghcr.io/acme@sha256:ab", "not a registry path"),
     ("ghcr.io//acme", "'..' part"), ("ghcr.io/../acme", "'..' part")],
)  # fmt: skip
def test_unusable_registry_is_refused_when_the_config_is_read(tmp_path: Path, registry: str, message: str) -> None:
    team_repo(tmp_path, image_registry=registry)
    with pytest.raises(ConfigError, match=message):
        load_team_config(tmp_path)


# --- the config file itself ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"owners = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
        ('owner = "caf\xe9"\n'.encode("latin-1"), "cannot read it"),
        (b"retries = " + b"1" * 5000 + b"\n", "more than 4,300 digits"),
        (b"retries = 0x" + b"f" * 5000 + b"\n", "is too large"),
        (b"owner = 0x" + b"f" * 5000 + b"\n", "must be a str, not <a number"),
        (b'"' + b"k" * 10**5 + b'" = 1\n', "unknown setting"),
    ],
)
def test_hostile_config_file_is_refused_with_a_message(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / ".create_dag.toml").write_bytes(content)
    with pytest.raises(ConfigError, match=message) as info:
        load_team_config(tmp_path)
    assert len(str(info.value)) < 800
    result = cli("--no-input", "--set", "dag_id=a", "--set", "image=b:1", cwd=tmp_path)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_config_file_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from createdag import config

    monkeypatch.setattr(config, "CONFIG_MAX_BYTES", 100)
    (tmp_path / ".create_dag.toml").write_text("# " + "x" * 200 + "\n")
    with pytest.raises(ConfigError, match="not a config file"):
        load_team_config(tmp_path)


SETTING_NAMES = ["owner", "owners", "tags", "allowed_tags", "dag_id_pattern", "dag_id_example", "image_registry",
                 "alerts_module", "retries", "output_dir", "alerts", "check_skip", "timezone", "nope"]  # fmt: skip


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value) if isinstance(value, str) else str(value)


toml_scalar = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["(a+)+b", "(?=x)", "[a-z", "json", "class", "a.b", "ghcr.io/acme", "", "/", "x" * 600]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
)
toml_setting = st.one_of(toml_scalar, st.lists(toml_scalar, max_size=3))


@settings(max_examples=200, deadline=None)
@given(table=st.dictionaries(st.sampled_from(SETTING_NAMES), toml_setting, max_size=6), junk=st.binary(max_size=40))
def test_any_config_loads_or_is_refused_with_a_config_error(table: dict[str, object], junk: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ".create_dag.toml"
        for content in ("".join(f"{key} = {toml_value(value)}\n" for key, value in table.items()).encode(), junk):
            path.write_bytes(content)
            try:
                team = load_team_config(Path(folder))
            except ConfigError as exc:
                assert str(path) in str(exc) and len(str(exc)) < 1000
                continue
            team.dag_id_matches("a" * 250)  # usable, and quick, whatever it holds
            team.admits_image("ghcr.io/acme/x:1")


def test_without_re2_a_pattern_is_refused_not_matched_unsafely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from createdag.config import compile_dag_id_pattern

    monkeypatch.setitem(sys.modules, "re2", None)  # import re2 -> ImportError
    compile_dag_id_pattern.cache_clear()
    try:
        team_repo(tmp_path, dag_id_pattern="[a-z]+_v[0-9]+", dag_id_example="a_v1")
        with pytest.raises(ConfigError, match="pip install google-re2"):
            load_team_config(tmp_path)
    finally:
        compile_dag_id_pattern.cache_clear()


def test_registry_is_kept_with_its_slash_so_messages_say_what_to_start_with(tmp_path: Path) -> None:
    team_repo(tmp_path, image_registry="ghcr.io/acme")
    assert load_team_config(tmp_path).image_registry == "ghcr.io/acme/"
    refused = cli("--no-input", "--set", "dag_id=a", "--set", "image=ghcr.io/acmeevil/x:1", cwd=tmp_path)
    assert "images start with 'ghcr.io/acme/'" in refused.stderr
