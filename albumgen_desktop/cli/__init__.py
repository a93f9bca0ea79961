"""`albumgen`: the command-line front end over the same services the app uses.

Exit codes: 0 success, 1 failure or not available, 2 bad input, 3 model missing offline,
75 reference library busy (another process kept writing; try again), 130 interrupted,
141 stdout closed early (``albumgen ... | head``; nothing is logged).
Errors are one line on stderr; a traceback goes to the log file only.
"""

from albumgen_desktop.cli.main import gui_main, main
from albumgen_desktop.cli.parser import build_parser

__all__ = ["build_parser", "gui_main", "main"]
