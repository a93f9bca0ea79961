"""Bundle entry point of `albumgen-desktop` (windowed: no console, so no stdout/stderr)."""

import sys

from albumgen_desktop.cli import gui_main

if __name__ == "__main__":
    sys.exit(gui_main())
