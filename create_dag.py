#!/usr/bin/env python3
"""Create an Airflow DAG from a few questions: ``python create_dag.py --help``."""

import sys

from createdag.cli import main

if __name__ == "__main__":
    sys.exit(main())
