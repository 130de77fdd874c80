"""The ``monitor`` command line (docs/reference.md, "Commands")."""

from monitor.cli.main import main

__all__ = ["main"]
