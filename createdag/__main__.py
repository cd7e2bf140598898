"""``python -m createdag``: the same CLI as ``create-dag`` and ``python create_dag.py``."""

import sys

from createdag.cli import main

if __name__ == "__main__":
    sys.exit(main())
