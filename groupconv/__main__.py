"""``python -m groupconv``: the command line, as ``groupconv`` (``groupconv.cli``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
