"""Jobs shared by the CLI and the GUI: analyse, generate, export."""
