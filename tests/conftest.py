import os

# Our product never sends telemetry; Evidently is imported by some tests as the oracle.
os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")
