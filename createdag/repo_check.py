"""``create_dag.py check [DIR]``: the repo's DAG integrity rules, from the command line, for CI.

Runs the very functions of the integrity test that ``init`` writes
(``createdag/repo_files/test_dag_integrity.py``): each file is loaded as
the DAG processor would, timed, and checked; exit 1 on any problem.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from createdag import resources
from createdag.errors import EXIT_OK, EXIT_USER_ERROR, UserError


@functools.cache
def integrity_module() -> ModuleType:
    """The integrity test ``init`` ships, loaded as a module: its functions load DAG files as
    the DAG processor does, for ``check`` and for ``--check`` alike. Needs Airflow and pytest."""
    try:
        import airflow  # noqa: F401
        import pytest  # noqa: F401
    except ImportError as exc:
        raise UserError(
            f"checking DAGs needs {exc.name}: pip install 'create-dag[airflow]' (or, in a clone, "
            "pip install -e '.[airflow]'), with the Airflow version your cluster runs"
        ) from None
    path = resources.integrity_test_path()
    spec = importlib.util.spec_from_file_location("createdag_dag_integrity", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build_parser(name: str = "check") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"create_dag.py {name}", description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=Path("."), help="the dags repo (default: here)")
    parser.add_argument("--drift", action="store_true",
                        help="instead: exit 1 naming every recorded DAG that is behind the current template")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.drift:
        from createdag import update_cli
        from createdag.config import dags_folder, load_team_config

        return update_cli.run_check(dags_folder(None, load_team_config(args.dir), default=args.dir / "dags"))
    module = integrity_module()
    dags_dir, skip = module.read_settings(args.dir.resolve())
    if not dags_dir.is_dir():
        raise UserError(f"no dags folder at {dags_dir}: set output_dir in .create_dag.toml, or run init")
    if str(dags_dir) not in sys.path:
        sys.path.append(str(dags_dir))
    from createdag.generate import TextProgress

    with TextProgress("checking") as progress:
        problems, results = module.collect(dags_dir, skip, progress=progress)
    for result in results:
        print(f"{result.file}: {', '.join(result.dag_ids) or 'no DAG'} ({result.seconds:.2f}s)")
    for result, timeout in module.slow_files(results):
        print(
            f"warning: {result.file} took {result.seconds:.1f}s to parse, {result.seconds / timeout:.0%} of "
            f"[core] dagbag_import_timeout ({timeout:g}s): move work out of module level",
            file=sys.stderr,
        )
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"{len(results)} files, {len(problems)} problems", file=sys.stderr)
    return EXIT_USER_ERROR if problems else EXIT_OK
