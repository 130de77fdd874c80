"""The ``monitor`` command line (contract §1)."""

from monitor.cli.main import main

__all__ = ["main"]
