"""docs/options.md's Airflow 3 sections cite tests that exist, and show the answers the tool takes."""

from __future__ import annotations

import re

from helpers import REPO

SECTIONS = ("## Assets: runs when another DAG's data is ready", "## Params for manual runs", "## Timeouts",
            "## Deadline alerts")  # fmt: skip


def section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_every_cited_test_exists() -> None:
    text = (REPO / "docs" / "options.md").read_text(encoding="utf-8")
    sources = "".join(path.read_text(encoding="utf-8") for path in (REPO / "tests").glob("test_af3_*.py"))
    for title in SECTIONS:
        cited = re.findall(r"`(test_\w+)`", section(text, title))
        assert cited, f"{title} cites no test"
        for name in cited:
            assert f"def {name}(" in sources, f"{title} cites {name}, which is no test"


def test_the_answer_names_in_the_sections_are_answers() -> None:
    from createdag.questions import BY_KEY

    text = (REPO / "docs" / "options.md").read_text(encoding="utf-8")
    for key in ("outlets", "assets", "assets_mode", "params", "dagrun_timeout_minutes", "execution_timeout_minutes",
                "deadline_minutes", "deadline_from", "data_intervals"):  # fmt: skip
        assert f"`{key}" in text and key in BY_KEY


def test_the_usage_example_is_an_answers_file_the_tool_takes(tmp_path) -> None:
    import yaml

    from createdag.answers import resolve
    from createdag.settings import Settings

    text = (REPO / "docs" / "usage.md").read_text(encoding="utf-8")
    block = re.search(r"\n```yaml\n(schedule: null .*?)```", text, re.S)
    assert block, "docs/usage.md lost its Airflow 3 answers example"
    raw = {"dag_id": "usage_af3", "owner": "me", "start_date": "2026-01-01", **yaml.safe_load(block[1])}
    answers, _ = resolve(raw, Settings(output_dir=tmp_path))
    assert answers["params"]["limit"] == {"type": "integer", "default": 100}
    assert answers["tasks"][0]["outlets"] == ["s3://lake/orders/clean"]
