"""monitor: watch machine-learning models in production.

Pulls prediction logs from SQL databases or Parquet/CSV files, compares the
current window with a reference window, computes performance once labels
exist, and alerts when drift or a performance drop crosses a threshold.
"""

__version__ = "0.1.0"
