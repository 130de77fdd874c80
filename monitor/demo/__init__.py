"""`monitor demo`: a prediction log with drift, a config for it, one check and its report, offline."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from monitor.demo.data import DRIFT_START, FEED_DROP_START, LOG_END, NEW_CHANNEL_START, write_log

log = logging.getLogger(__name__)

CONFIG = """\
# monitor config written by `monitor demo`. Relative paths are relative to this file.
store: sqlite:///monitor-state.db        # run history, alert states, outbox
reports: {{dir: reports, when: always}}    # write a drift report on every run (alert | always | never)
server: {{host: 127.0.0.1, port: 9108}}    # `monitor run` serves /healthz, /metrics, /reports/ here

# The demo sends nothing. To get its alerts in Slack, uncomment this channel, export SLACK_WEBHOOK_URL
# and add `channels: [team-slack]` to the rules below.
channels: {{}}
#  team-slack: {{type: slack, url: "${{SLACK_WEBHOOK_URL}}"}}

monitors:
  fraud-scorer:
    source:
      url: sqlite:///predictions.db
      table: predictions
      timestamp: timestamp               # ISO-8601 text, as SQLite keeps it
    features:
      numerical: [amount, account_age_days, items]
      categorical: [merchant_category, country, channel]
    prediction: {{column: is_fraud_pred, score: fraud_score, task: classification}}
    target:                              # labels arrive days later, in their own table
      column: is_fraud
      table: labels
      join_on: transaction_id
    reference: {{start: "2026-01-01", end: "2026-02-01"}}
    window: 7d
    schedule: {{every: 1h}}
    drift: {{method: auto, share: 0.5}}
    alerts:
      - {{rule: dataset_drift}}
      - {{rule: column_drift, columns: [amount, country]}}
      - {{rule: prediction_drift}}
      - {{rule: performance_drop, metric: roc_auc, max_drop: 0.05}}
      - {{rule: missing_values, max_share: 0.1}}
      - {{rule: no_data}}
      - {{rule: volume, min_ratio: 0.5}}             # rows per hour against the reference's
      - {{rule: new_categories, max_share: 0.01}}    # categories the reference never saw
"""


def run_demo(directory: str) -> int:
    from monitor.cli.render import render_results
    from monitor.config import load_config
    from monitor.runner import Checker
    from monitor.store import open_store

    # paths and commands stay whole for copy and paste; names are printed as they are (no emoji codes)
    console = Console(soft_wrap=True, emoji=False)
    folder = Path(directory).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "predictions.db"
    config_path = folder / "monitor.yaml"
    (folder / "monitor-state.db").unlink(missing_ok=True)
    predictions, labels = write_log(database)
    config_path.write_text(CONFIG.format(), encoding="utf-8")
    console.print(
        f"wrote {predictions:,} predictions and {labels:,} late labels to {database}\n"
        f"drift and a performance drop begin on {DRIFT_START:%Y-%m-%d}, a new channel on "
        f"{NEW_CHANNEL_START:%Y-%m-%d}, and the feed loses most rows from {FEED_DROP_START:%Y-%m-%d}; "
        f"checking the week before {LOG_END:%Y-%m-%d}",
        highlight=False,
    )
    config = load_config(config_path)
    store = open_store(config.store)
    with warnings.catch_warnings():
        # Evidently's own pandas deprecation notices are not the user's business in a demo
        warnings.simplefilter("ignore", FutureWarning)
        results = Checker(config, store).run(None, LOG_END)
    render_results(results, console)
    firing = [alert for result in results for alert in result.alerts]
    if firing:
        console.print("\n[bold]would have been sent[/bold] (to the channels you attach to these rules):")
        for state in store.alert_states("fraud-scorer").values():
            if state.status == "firing":
                console.print(f"  → [red]firing[/red] {escape(state.summary)}", highlight=False)
    report = results[0].report
    console.print(
        f"\nconfig:  {config_path}\nlog:     {database}\nstore:   {folder / 'monitor-state.db'}\n"
        f"report:  {report or 'not written'}\n\n"
        "next:\n"
        f"  monitor check -c {config_path} --at 2026-02-10 --dry-run   # before the drift: all quiet\n"
        f"  monitor backfill -c {config_path} --from 2026-02-01 --to {LOG_END:%Y-%m-%d} --every 1d\n"
        f"  monitor history -c {config_path} -m fraud-scorer      # every window, oldest to newest\n"
        f"  monitor run -c {config_path}                       # the daemon: /healthz, /metrics on :9108",
        highlight=False,
    )
    return 0
