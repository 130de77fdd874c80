"""Alerting: rules -> alert states -> outbox -> channels."""
