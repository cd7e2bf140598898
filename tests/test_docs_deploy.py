"""The deployment docs stay correct: YAML parses, manifests are valid, Helm values use real keys.

What is checked, and where it comes from:

* every ``*.yaml``/``*.yml`` file under ``docs/`` and every ```yaml block in
  ``docs/*.md`` (and ``README.md``) parses with ``yaml.safe_load_all``;
* every YAML document with a ``kind`` is a well-formed Kubernetes manifest; a
  Secret's ``data`` values are strict base64 of text with no trailing newline
  (the ``echo`` without ``-n`` mistake);
* Helm values for the official chart (``docs/deploy/values*.yaml`` and the
  blocks in the deployment docs marked ``<!-- helm-values: official -->``) pass
  the chart's JSON schema (Draft 7), use only keys the schema names (many
  schema objects accept unknown keys, so a typo would pass validation alone),
  and put only real Airflow 3.3 options under ``config:`` (checked against the
  configuration description of the installed apache-airflow);
* the example values and the example Secrets agree with each other and with
  the alert module (Secret names and keys, connection ids).

The chart schema is test data that lives outside the repository
(``../shared/helm/airflow-chart-values.schema.json``); without it the schema
tests are skipped, never run against a copy.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import importlib.util
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO

DOCS = REPO / "docs"
DEPLOY = DOCS / "deploy"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared" / "helm" / "airflow-chart-values.schema.json"
#: The docs this file owns: every YAML block in them must say what it is.
DEPLOY_DOCS = (DOCS / "deploy.md", DOCS / "alerts.md")

#: Written on the line before a ```yaml block to say what it holds.
MARKER_RE = re.compile(r"^<!--\s*(helm-values|yaml)\s*:\s*([\w-]+)\s*-->$")
MARKERS = {("helm-values", "official"), ("helm-values", "community"), ("yaml", "other")}
#: Sections of airflow.cfg owned by providers the test environment does not install:
#: their names are accepted, their options cannot be checked here.
UNCHECKED_PROVIDER_SECTIONS = frozenset(
    {"fab", "aws", "aws_auth_manager", "celery", "elasticsearch", "opensearch"}
)
#: Key names Kubernetes accepts in a Secret's data.
SECRET_KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")


# --- finding the YAML ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A fenced code block in a Markdown file."""

    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    marker: tuple[str, str] | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


_FENCE_RE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def fenced_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a CommonMark file, with the marker comment before each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE_RE.match(lines[index])
        if not opening or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        lang = (opening["info"].strip().split() or [""])[0].lower()
        previous = next((line.strip() for line in reversed(lines[:index]) if line.strip()), "")
        marker_match = MARKER_RE.match(previous)
        start = index + 1
        body: list[str] = []
        index += 1
        while index < len(lines):
            closing = re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[index])
            if closing:
                break
            line = lines[index]
            body.append(line[min(indent, len(line) - len(line.lstrip(" "))) :])
            index += 1
        marker = (marker_match[1], marker_match[2]) if marker_match else None
        blocks.append(Block(path, start, lang, "\n".join(body) + "\n", marker))
        index += 1
    return blocks


def markdown_files() -> list[Path]:
    files = sorted(DOCS.glob("*.md"))
    if (REPO / "README.md").is_file():
        files.append(REPO / "README.md")
    return files


def yaml_blocks(paths: list[Path] | None = None) -> list[Block]:
    files = markdown_files() if paths is None else [p for p in paths if p.is_file()]
    return [b for p in files for b in fenced_blocks(p) if b.lang in ("yaml", "yml")]


def yaml_files() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


def values_files() -> list[Path]:
    return sorted(DEPLOY.glob("values*.yaml"))


def official_values_blocks() -> list[Block]:
    return [b for b in yaml_blocks(list(DEPLOY_DOCS)) if b.marker == ("helm-values", "official")]


def load_documents(text: str) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def _parsed(text: str) -> list[Any]:
    """``load_documents`` for collecting test cases: YAML that does not parse gives none
    (test_yaml_file_parses / test_yaml_block_parses report it), so the rest still runs."""
    try:
        return load_documents(text)
    except yaml.YAMLError:
        return []


def manifests() -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every YAML document with a ``kind`` in the docs, with where it was found."""
    for path in yaml_files():
        for number, doc in enumerate(_parsed(path.read_text(encoding="utf-8"))):
            if isinstance(doc, Mapping) and "kind" in doc:
                yield f"{path.relative_to(REPO)}#{number}", doc
    for block in yaml_blocks():
        for number, doc in enumerate(_parsed(block.text)):
            if isinstance(doc, Mapping) and "kind" in doc:
                yield f"{block.where}#{number}", doc


def _ids(items: list[Any]) -> list[str]:
    return [item.where if isinstance(item, Block) else str(Path(item).relative_to(REPO)) for item in items]


# --- checkers (pure functions, so the negative tests can call them) ----------------------------------


def manifest_problems(doc: Mapping[str, Any]) -> list[str]:
    """What makes ``doc`` an invalid Kubernetes manifest (and, for a Secret, invalid data)."""
    problems = []
    for field in ("apiVersion", "kind"):
        if not isinstance(doc.get(field), str) or not doc.get(field):
            problems.append(f"{field} missing or not a string")
    metadata = doc.get("metadata")
    if (
        not isinstance(metadata, Mapping)
        or not isinstance(metadata.get("name"), str)
        or not metadata.get("name")
    ):
        problems.append("metadata.name missing")
    if doc.get("kind") == "Secret":
        problems += secret_problems(doc)
    return problems


def secret_problems(doc: Mapping[str, Any]) -> list[str]:
    problems = []
    for field in ("data", "stringData"):
        values = doc.get(field) or {}
        if not isinstance(values, Mapping):
            problems.append(f"{field} is not a mapping")
            continue
        for key, value in values.items():
            if not SECRET_KEY_RE.match(str(key)):
                problems.append(f"{field}.{key}: not a valid Secret key name")
            if field == "stringData":
                text = value if isinstance(value, str) else None
            else:
                text = _decoded_text(value, f"{field}.{key}", problems)
            if text is not None and text.endswith(("\n", "\r")):
                problems.append(
                    f"{field}.{key}: the value ends with a newline "
                    "(encode with `echo -n` or `printf %s`, not plain `echo`)"
                )
            if field == "stringData" and text is None:
                problems.append(f"{field}.{key}: not a string")
    return problems


def _decoded_text(value: Any, where: str, problems: list[str]) -> str | None:
    if not isinstance(value, str):
        problems.append(f"{where}: not a base64 string")
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        problems.append(f"{where}: not valid base64 ({error})")
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{where}: decodes to bytes that are not UTF-8 text")
        return None


@cache
def chart_schema() -> dict[str, Any]:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"Helm chart values schema not found at {SCHEMA_PATH}: the values checks need it")
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_errors(values: Any, schema: Mapping[str, Any]) -> list[str]:
    """Plain JSON-schema (Draft 7) validation of ``values``."""
    from jsonschema import Draft7Validator

    validator = Draft7Validator(schema)
    return [
        f"{'.'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(values), key=lambda e: list(map(str, e.absolute_path)))
    ]


def _resolve(root: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    seen: set[str] = set()
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise ValueError(f"cannot follow $ref {ref!r}")
        seen.add(ref)
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        # the target's structure, with the sibling keywords (description, default...) on top
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _variants(root: Mapping[str, Any], node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """``node`` and the alternatives it allows (anyOf / oneOf / allOf), references followed."""
    node = _resolve(root, node)
    found = [node]
    for keyword in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(keyword, ()):
            found.extend(_variants(root, sub))
    return found


def unknown_keys(values: Any, schema: Mapping[str, Any]) -> list[str]:
    """Dotted paths in ``values`` that name no property of the schema.

    An object's key must be one of its ``properties``, even when the schema
    would let an unknown key through (no ``additionalProperties: false``).
    Only objects that are maps by design (``additionalProperties`` is a
    schema and there are no ``properties``: ``config``, ``labels``,
    ``extraSecrets``...) and objects with no declared structure accept any key.
    """
    problems: list[str] = []
    _walk(schema, values, schema, "", problems)
    return problems


def _walk(
    root: Mapping[str, Any], value: Any, node: Mapping[str, Any], path: str, problems: list[str]
) -> None:
    variants = _variants(root, node)
    if isinstance(value, Mapping):
        known = {name for v in variants for name in (v.get("properties") or {})}
        maps = [
            v["additionalProperties"]
            for v in variants
            if isinstance(v.get("additionalProperties"), Mapping)
            and (v["additionalProperties"] or not v.get("properties"))
        ]
        closed = any(v.get("additionalProperties") is False for v in variants)
        for key, child in value.items():
            dotted = f"{path}.{key}" if path else str(key)
            if key in known:
                child_schemas = [v["properties"][key] for v in variants if key in (v.get("properties") or {})]
            elif maps:
                child_schemas = maps
            elif not known and not closed:
                continue  # an object the schema gives no structure: anything goes
            else:
                problems.append(_unknown(dotted, str(key), known))
                continue
            attempts = []
            for child_schema in child_schemas:  # the first alternative that fits wins
                found: list[str] = []
                _walk(root, child, child_schema, dotted, found)
                if not found:
                    break
                attempts.append(found)
            else:
                problems.extend(attempts[0])
    elif isinstance(value, list):
        items = [v["items"] for v in variants if isinstance(v.get("items"), Mapping)]
        for number, item in enumerate(value):
            for item_schema in items[:1]:
                _walk(root, item, item_schema, f"{path}[{number}]", problems)


def _unknown(dotted: str, key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    close = close or [name for name in known if name.lower() == key.lower()]
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{dotted}: not a key of the chart's values schema{hint}"


@cache
def airflow_config_description() -> dict[str, set[str]]:
    """Section -> option names of the installed Airflow (core and installed providers)."""
    from airflow.configuration import conf, retrieve_configuration_description

    described: dict[str, set[str]] = {}
    for source in (
        conf.configuration_description,
        retrieve_configuration_description(include_providers=True),
    ):
        for section, body in source.items():
            described.setdefault(section, set()).update((body or {}).get("options", {}))
    return described


def config_problems(config: Any) -> list[str]:
    """Options under ``config:`` that the installed Airflow does not know (airflow.cfg names)."""
    from airflow.configuration import conf

    if config is None:
        return []
    if not isinstance(config, Mapping):
        return ["config: must be a mapping of airflow.cfg sections"]
    described = airflow_config_description()
    renamed = {old[:2]: (new, old[2]) for new, old in conf.deprecated_options.items()}
    problems = []
    for section, options in config.items():
        if not isinstance(options, Mapping):
            problems.append(f"config.{section}: must be a mapping of options")
            continue
        for option in options:
            where = f"config.{section}.{option}"
            if section in described and option in described[section]:
                continue
            if (section, option) in renamed:
                (new_section, new_option), version = renamed[(section, option)]
                problems.append(f"{where}: Airflow {version} moved it to [{new_section}] {new_option}")
            elif section in UNCHECKED_PROVIDER_SECTIONS and section not in described:
                continue
            elif section not in described:
                close = difflib.get_close_matches(section, sorted(described), n=1)
                hint = f" (did you mean [{close[0]}]?)" if close else ""
                problems.append(f"{where}: Airflow has no section [{section}]{hint}")
            else:
                close = difflib.get_close_matches(option, sorted(described[section]), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(f"{where}: Airflow has no option {option!r} in [{section}]{hint}")
    return problems


def values_sources() -> list[tuple[str, Any]]:
    """Every official-chart values document in the docs, with where it comes from."""
    found = []
    for path in values_files():
        for doc in _parsed(path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(REPO)), doc))
    for block in official_values_blocks():
        for doc in _parsed(block.text):
            found.append((block.where, doc))
    return found


# --- the docs exist, and the finders find them ----------------------------------------------------


def test_the_deployment_docs_and_examples_exist() -> None:
    for path in (*DEPLOY_DOCS, DEPLOY / "values.yaml"):
        assert path.is_file(), f"{path.relative_to(REPO)} is missing"
    assert len(values_files()) >= 2, "values.yaml and the SSH overlay"
    kinds = [doc.get("kind") for _, doc in manifests()]
    assert kinds.count("Secret") >= 3, kinds
    assert official_values_blocks(), "docs/deploy.md shows official-chart values in marked blocks"


def test_fenced_blocks_are_found_with_their_markers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n\n<!-- helm-values: official -->\n```yaml\na: 1\n```\n\n"
        "````markdown\n```yaml\nnot: a block\n```\n````\n\n  ~~~ yml\n  b: 2\n  ~~~\n",
        encoding="utf-8",
    )
    blocks = fenced_blocks(page)
    assert [(b.lang, b.text, b.marker, b.line) for b in blocks] == [
        ("yaml", "a: 1\n", ("helm-values", "official"), 4),
        ("markdown", "```yaml\nnot: a block\n```\n", None, 8),
        ("yml", "b: 2\n", None, 14),
    ]


# --- every YAML parses ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", yaml_files(), ids=_ids(yaml_files()))
def test_yaml_file_parses(path: Path) -> None:
    try:
        load_documents(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        pytest.fail(f"{path.relative_to(REPO)} is not valid YAML: {error}")


@pytest.mark.parametrize("block", yaml_blocks(), ids=_ids(yaml_blocks()))
def test_yaml_block_parses(block: Block) -> None:
    try:
        load_documents(block.text)
    except yaml.YAMLError as error:
        pytest.fail(f"the ```yaml block at {block.where} is not valid YAML: {error}")


def test_yaml_blocks_in_the_deployment_docs_say_what_they_are() -> None:
    """A values snippet without a marker would escape the schema check, so each block needs one."""
    unmarked = []
    for block in yaml_blocks(list(DEPLOY_DOCS)):
        docs = _parsed(block.text)
        is_manifest = bool(docs) and all(isinstance(d, Mapping) and "kind" in d for d in docs)
        if block.marker is not None and block.marker not in MARKERS:
            unmarked.append(f"{block.where}: unknown marker {block.marker}")
        elif block.marker is None and not is_manifest:
            unmarked.append(
                f"{block.where}: put <!-- helm-values: official -->, <!-- helm-values: community --> "
                "or <!-- yaml: other --> on the line before it"
            )
    assert not unmarked, "\n".join(unmarked)


@pytest.mark.parametrize(
    "block",
    [b for b in (fb for p in DEPLOY_DOCS if p.is_file() for fb in fenced_blocks(p)) if b.lang == "json"],
    ids=lambda b: b.where,
)
def test_json_block_parses(block: Block) -> None:
    try:
        json.loads(block.text)
    except json.JSONDecodeError as error:
        pytest.fail(f"the ```json block at {block.where} is not valid JSON: {error}")


# --- Kubernetes manifests ------------------------------------------------------------------------------


@pytest.mark.parametrize(("where", "doc"), list(manifests()), ids=[w for w, _ in manifests()])
def test_manifest_is_well_formed(where: str, doc: Mapping[str, Any]) -> None:
    problems = manifest_problems(doc)
    assert not problems, f"{where}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"K": "dmFsdWUK"}},
            "newline",
        ),
        (
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"K": "dmFsdWU"}},
            "base64",
        ),
        (
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"K": "va lue="}},
            "base64",
        ),
        ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"K": "/w=="}}, "UTF-8"),
        (
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"a b": "dmFsdWU="}},
            "key name",
        ),
        (
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"K": "v\n"}},
            "newline",
        ),
        ({"apiVersion": "v1", "kind": "Secret", "metadata": {}, "data": {}}, "metadata.name"),
        ({"kind": "Secret", "metadata": {"name": "s"}}, "apiVersion"),
    ],
)
def test_manifest_checker_rejects_bad_secrets(doc: dict[str, Any], expected: str) -> None:
    problems = manifest_problems(doc)
    assert any(expected in problem for problem in problems), problems


def test_manifest_checker_accepts_echo_n_output() -> None:
    encoded = base64.b64encode(b"https://example.invalid/?sig=abc").decode()
    doc = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "type": "Opaque",
        "data": {"K": encoded},
    }
    assert manifest_problems(doc) == []


# --- Helm values against the official chart's schema ----------------------------------------------------


@pytest.mark.parametrize(("where", "values"), values_sources(), ids=[w for w, _ in values_sources()])
def test_values_pass_the_chart_schema(where: str, values: Any) -> None:
    errors = schema_errors(values, chart_schema())
    assert not errors, f"{where}:\n" + "\n".join(errors)


@pytest.mark.parametrize(("where", "values"), values_sources(), ids=[w for w, _ in values_sources()])
def test_values_use_only_keys_the_chart_has(where: str, values: Any) -> None:
    problems = unknown_keys(values, chart_schema())
    assert not problems, f"{where}:\n" + "\n".join(problems)


@pytest.mark.airflow
@pytest.mark.parametrize(("where", "values"), values_sources(), ids=[w for w, _ in values_sources()])
def test_values_config_names_real_airflow_options(where: str, values: Any) -> None:
    problems = config_problems((values or {}).get("config"))
    assert not problems, f"{where}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"dags": {"gitsync": {"enabled": True}}}, "dags.gitsync: not a key of the chart's values schema"),
        ({"dags": {"gitSync": {"subpath": "dags"}}}, "did you mean 'subPath'"),
        ({"executer": "KubernetesExecutor"}, "did you mean 'executor'"),
        ({"apiServer": {"defaultUser": {"enable": False}}}, "apiServer.defaultUser.enable"),
        ({"secret": [{"envName": "A", "secretName": "s", "secretkey": "k"}]}, "secret[0].secretkey"),
        (
            {"workers": {"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"nme": "s", "key": "k"}}}]}},
            "workers.env[0].valueFrom.secretKeyRef.nme",
        ),
        ({"ingress": {"apiserver": {"enabled": True}}}, "ingress.apiserver"),  # an open object
    ],
)
def test_key_checker_rejects_misspelled_keys(values: dict[str, Any], expected: str) -> None:
    problems = unknown_keys(values, chart_schema())
    assert any(expected in problem for problem in problems), problems


def test_key_checker_accepts_maps_and_free_form_values() -> None:
    values = {
        "config": {"any_section": {"any_option": "x"}},
        "labels": {"team": "data"},
        "extraSecrets": {"my-secret": {"data": "a: b"}},
        "dags": {"gitSync": {"env": [{"name": "GITSYNC_HTTP_BIND", "value": ":8080"}]}},
    }
    assert unknown_keys(values, chart_schema()) == []


def test_plain_schema_validation_catches_wrong_types() -> None:
    errors = schema_errors({"dags": {"gitSync": {"enabled": "yes", "depth": "1"}}}, chart_schema())
    assert any(e.startswith("dags.gitSync.enabled") for e in errors), errors
    assert any(e.startswith("dags.gitSync.depth") for e in errors), errors


@pytest.mark.airflow
@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"api": {"base_ur": "https://x/"}}, "no option 'base_ur' in [api] (did you mean 'base_url'?)"),
        ({"webserver": {"base_url": "https://x/"}}, "moved it to [api] base_url"),
        ({"apis": {"base_url": "https://x/"}}, "no section [apis]"),
        ({"logging": {"remote_logs": "True"}}, "config.logging.remote_logs"),
        ({"core": "auth_manager"}, "must be a mapping"),
    ],
)
def test_config_checker_rejects_unknown_airflow_options(config: dict[str, Any], expected: str) -> None:
    problems = config_problems(config)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.airflow
def test_config_checker_accepts_real_options() -> None:
    config = {
        "api": {"base_url": "https://airflow.example.com/"},
        "logging": {
            "remote_logging": "True",
            "remote_base_log_folder": "s3://b/p",
            "remote_log_conn_id": "aws",
        },
        "core": {"auth_manager": "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"},
        "kubernetes_executor": {"delete_worker_pods": "True"},
    }
    assert config_problems(config) == []


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    inside_fence = {b.line + i for b in fenced_blocks(path) for i in range(b.text.count("\n") + 1)}
    lines = path.read_text(encoding="utf-8").splitlines()
    return {
        _slug(line.lstrip("#"))
        for number, line in enumerate(lines, start=1)
        if line.startswith("#") and number not in inside_fence
    }


def test_links_in_the_deployment_docs_resolve() -> None:
    broken = []
    for page in DEPLOY_DOCS:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+:", target):
                continue  # an external link
            file_part, _, anchor = target.partition("#")
            linked = (page.parent / file_part).resolve() if file_part else page
            if not linked.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_slug_matches_github() -> None:
    assert _slug(" 2. Secrets, and why `echo -n`") == "2-secrets-and-why-echo--n"
    assert _slug("3.3 `subPath`, and importing `teams_alerts`") == "33-subpath-and-importing-teams_alerts"


# --- the examples agree with each other and with the alert module -------------------------------------------


def _secrets() -> dict[str, Mapping[str, Any]]:
    """The example Secrets in docs/deploy/, by name."""
    return {
        doc["metadata"]["name"]: doc
        for where, doc in manifests()
        if doc.get("kind") == "Secret" and where.startswith("docs/deploy/")
    }


@cache
def _alerts_module() -> Any:
    """hooks/teams_alerts.py under a private name (``teams_alerts`` itself belongs to the DAG tests)."""
    name = "_docs_teams_alerts"
    spec = importlib.util.spec_from_file_location(name, REPO / "hooks" / "teams_alerts.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.airflow
def test_values_refer_to_the_example_secrets_and_keys() -> None:
    values = yaml.safe_load((DEPLOY / "values.yaml").read_text(encoding="utf-8"))
    secrets = _secrets()
    for entry in values["secret"]:
        assert entry["secretName"] in secrets, f"no example Secret {entry['secretName']!r} in docs/deploy/"
        assert entry["secretKey"] in secrets[entry["secretName"]]["data"], entry
    credentials = secrets[values["dags"]["gitSync"]["credentialsSecret"]]["data"]
    assert {"GIT_SYNC_USERNAME", "GIT_SYNC_PASSWORD", "GITSYNC_USERNAME", "GITSYNC_PASSWORD"} <= set(
        credentials
    )

    env_names = {entry["envName"] for entry in values["secret"]}
    assert f"AIRFLOW_CONN_{_alerts_module().DEFAULT_CONN_ID.upper()}" in env_names
    assert f"AIRFLOW_CONN_{values['config']['logging']['remote_log_conn_id'].upper()}" in env_names


def test_secrets_shown_in_the_docs_match_the_example_files() -> None:
    files = _secrets()
    shown = [(w, d) for w, d in manifests() if d.get("kind") == "Secret" and not w.startswith("docs/deploy/")]
    for where, doc in shown:
        name = doc["metadata"]["name"]
        if name in files:
            assert doc.get("data") == files[name].get(
                "data"
            ), f"{where} differs from the Secret {name!r} in docs/deploy/"


def test_ssh_overlay_secret_is_created_in_the_docs() -> None:
    overlay = yaml.safe_load((DEPLOY / "values-git-ssh.yaml").read_text(encoding="utf-8"))
    name = overlay["dags"]["gitSync"]["sshKeySecret"]
    deploy_md = (DOCS / "deploy.md").read_text(encoding="utf-8")
    assert re.search(
        rf"create secret generic {re.escape(name)}\b[^\n]*(\\\n[^\n]*)*--from-file=gitSshKey=", deploy_md
    )


@pytest.mark.airflow
def test_teams_secret_example_is_a_connection_the_alert_module_reads() -> None:
    from airflow.models.connection import Connection

    data = _secrets()["airflow-teams-webhook"]["data"]["AIRFLOW_CONN_MSTEAMS_WEBHOOK_URL"]
    conn = Connection.from_json(base64.b64decode(data).decode("utf-8"), conn_id="msteams_webhook_url")
    url = _alerts_module().webhook_url_from_connection(conn)
    assert url.startswith("https://") and "/triggers/manual/paths/invoke?" in url and "&sig=" in url


@pytest.mark.airflow
def test_payload_example_in_alerts_doc_is_what_the_module_sends() -> None:
    module = _alerts_module()
    examples = [
        b for b in fenced_blocks(DOCS / "alerts.md") if b.lang == "json" and '"attachments"' in b.text
    ]
    assert len(examples) == 1, "docs/alerts.md shows one Workflows payload example"
    shown = json.loads(examples[0].text)
    facts = module.AlertFacts(**PAYLOAD_EXAMPLE_FACTS)
    assert shown == json.loads(module.build_message(facts)), (
        "the payload example in docs/alerts.md no longer matches teams_alerts.build_message(); "
        "regenerate it from PAYLOAD_EXAMPLE_FACTS in this test"
    )


#: The facts behind the payload example in docs/alerts.md.
PAYLOAD_EXAMPLE_FACTS: dict[str, Any] = {
    "event": "failure",
    "dag_id": "sales_daily",
    "task_id": "main",
    "run_id": "scheduled__2026-03-02T06:00:00+00:00",
    "logical_date": "2026-03-02T06:00:00+00:00",
    "try_number": 2,
    "log_url": "https://airflow.example.com/dags/sales_daily/runs/scheduled__2026-03-02T06%3A00%3A00%2B00%3A00"
    "/tasks/main?try_number=2",
    "exception": "AirflowException: Pod sales-daily-main-x7k2p9q1 returned a failure.",
}


def test_card_picture_shows_the_documented_payload() -> None:
    """docs/alerts-card.png is drawn by docs/render_card.py from the same facts as the JSON example."""
    import ast

    source = (REPO / "docs" / "render_card.py").read_text(encoding="utf-8")
    example = next(
        ast.literal_eval(node.value)
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXAMPLE"
    )
    assert example == PAYLOAD_EXAMPLE_FACTS
    picture = REPO / "docs" / "alerts-card.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "](alerts-card.png)" in (REPO / "docs" / "alerts.md").read_text(encoding="utf-8")
