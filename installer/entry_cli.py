"""Bundle entry point of `albumgen` (console)."""

import sys

from albumgen_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
