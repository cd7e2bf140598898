"""Names a file the tool writes into the dags folder must not take as a module.

The dags folder is on ``sys.path`` wherever Airflow parses or runs a DAG, so
a file there named like a module is found by ``import``: ``dags/json.py``
hides the standard library's ``json`` from every DAG that imports it, and
``dags/google.py`` hides the ``google`` namespace package (``import
google.protobuf`` then fails), since a regular module wins over namespace
portions wherever they are on the path. The other way round, an alert module
named like an installed one is never imported at all: ``from json import
TeamsNotifier`` finds the real ``json``.

Only a name that ``import`` can spell shadows: ``a.b.py`` is looked up as
package ``a``, module ``b``, and ``foo-bar.py`` or ``1st.py`` cannot be
imported by name, so such DAG files are fine. A Python keyword (``class``)
cannot be imported either, which breaks an alert module outright, and is
refused for DAG files too so that every name the tool writes stays
importable.

Names are taken by, in this order:

* the standard library (``sys.stdlib_module_names``);
* ``AIRFLOW_ENV``: the top-level modules of what Airflow runs with, since the
  DAGs run in Airflow's environment, not in the scaffolder's: apache-airflow
  3.3.2 with the cncf.kubernetes, http and standard providers and every
  package they depend on (read from that environment's metadata:
  ``python -m createdag.modules`` prints the current one's), plus the main
  modules of the providers and libraries the official Airflow image ships
  (amazon, google, azure, celery, postgres, mysql, ssh, slack, snowflake,
  pandas...);
* whatever is importable here, found without importing it: each ``sys.path``
  entry is asked for a spec by ``PathFinder`` (modules, packages and
  namespace packages alike), skipping the folder this tool runs from and
  the current folder, which are on ``sys.path`` only because create_dag runs;
  then the other finders of ``sys.meta_path`` (editable installs).

Names are compared case-insensitively for the first two (on a file system
that ignores case, ``JSON.py`` and ``json.py`` are one file).
"""

from __future__ import annotations

import functools
import keyword
import os
import sys
from importlib.machinery import PathFinder
from pathlib import Path

AIRFLOW_ENV = frozenset(
    """
_cffi_backend _yaml a2wsgi adlfs aiobotocore aiofiles aiohappyeyeballs aiohttp aiosignal aiosmtplib
aiosqlite airflow alembic amqp annotated_doc annotated_types anyio argcomplete
arrow asgiref asyncpg asyncssh attr attrs azure babel billiard boto3 botocore cachetools cadwyn
celery certifi cffi charset_normalizer click colorlog cosmos cron_descriptor croniter cryptography
daemon databricks dateutil dbt deprecated dill dns docker dotenv durationpy elasticsearch
email_validator fastapi fastapi_cli flask flask_appbuilder flask_login flask_session flask_wtf
flower frozenlist fsspec gcsfs google google_auth_httplib2 google_auth_oauthlib googleapiclient
great_expectations greenback greenlet grpc grpc_status h11 httpcore httplib2 httpx hvac idna
importlib_metadata isoduration itsdangerous jinja2 jmespath jsonschema jsonschema_specifications jwt
kombu kubernetes kubernetes_asyncio lazy_importer lazy_object_proxy ldap3 libcst linkify_it lockfile
mako markdown_it markupsafe mdurl methodtools more_itertools msal msal_extensions msgspec msrest
msrestazure multidict multipart MySQLdb natsort numpy oauthlib openlineage opentelemetry oracledb
outcome packaging pandas pandas_gbq paramiko pathlib_abc pathspec pendulum pluggy polars propcache
proto psutil psycopg2 pyarrow pycparser pydantic pydantic_core pydantic_extra_types
pydantic_settings pygments pygtrie pymssql pymysql pyodbc pysftp pytest python_multipart redis
redshift_connector referencing requests requests_oauthlib requests_toolbelt rich rich_argparse
rich_toolkit rpds s3transfer sendgrid sentry_sdk setproctitle shellingham six slack_sdk slugify
smart_open sniffio snowflake sqlalchemy sqlparse sshtunnel starlette statsd structlog svcs tabulate
tenacity termcolor text_unidecode tools typer typing_extensions typing_inspection tzdata upath
urllib3 uuid6 uvicorn vine watchtower websocket werkzeug wirerope wrapt wtforms yaml yarl zipp
    """.split()  # noqa: SIM905 - a block of names reads better than 196 quoted strings
)
_STDLIB = frozenset(name.lower() for name in sys.stdlib_module_names)
_AIRFLOW_ENV = frozenset(name.lower() for name in AIRFLOW_ENV)


def importable(name: str) -> bool:
    """Whether ``import <name>`` could find a file ``<name>.py``."""
    return name.isidentifier() and not keyword.iskeyword(name)


@functools.lru_cache(maxsize=1024)  # the prompt asks on every key press
def taken_by(name: str, ours: str | None = None) -> str | None:
    """Why a top-level module ``name`` in the dags folder would not work, as a clause
    (``"would shadow the Python module 'json' (standard library)"``), or None."""
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword, which import cannot name"
    if not name.isidentifier():
        return None  # cannot be imported by name, so it shadows nothing
    if name.startswith("__") and name.endswith("__"):
        return f"names like {name!r} are Python's own (__init__.py would make the dags folder a package)"
    if name.lower() in _STDLIB:
        return f"would shadow the Python module {name.lower()!r} (standard library)"
    if name.lower() in _AIRFLOW_ENV:
        return f"would shadow the Python module {name.lower()!r} (in Airflow's environment)"
    if _installed(name, ours):
        return f"would shadow the Python module {name!r} (installed here)"
    return None


def _installed(name: str, ours: str | None = None) -> bool:
    """Found on this environment's path; a module whose text is ``ours`` (a copy of the alert
    module in a dags folder already on ``sys.path``, as in ``check``) is the tool's own, not a clash."""
    spec = PathFinder.find_spec(name, list(_search_path()))
    if spec is not None:
        return ours is None or not _is_copy(spec.origin, ours)
    for finder in sys.meta_path:  # editable installs, zip apps and the like have finders of their own
        if finder is PathFinder or not hasattr(finder, "find_spec"):
            continue
        try:
            if finder.find_spec(name, None) is not None:
                return True
        except Exception:  # noqa: BLE001 - a third-party finder that fails has not found it
            continue
    return False


def _is_copy(origin: str | None, text: str) -> bool:
    try:
        return origin is not None and Path(origin).read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _search_path() -> tuple[str, ...]:
    """``sys.path`` without the entries create_dag's own run put there."""
    own = {os.path.realpath(entry) for entry in (os.getcwd(), sys.path[0] or os.curdir, _tool_folder())}
    return tuple(entry for entry in sys.path if entry and os.path.realpath(entry) not in own)


def _tool_folder() -> str:
    here = Path(__file__).resolve().parent.parent  # the folder holding the createdag package
    return os.devnull if here.name in ("site-packages", "dist-packages") else str(here)


def _top_level_of_environment() -> list[str]:  # pragma: no cover - run by hand to refresh AIRFLOW_ENV
    """Every importable top-level name the installed distributions provide."""
    import importlib.metadata

    return sorted({name for name in importlib.metadata.packages_distributions() if name.isidentifier()})


if __name__ == "__main__":  # pragma: no cover
    print(" ".join(_top_level_of_environment()))
