"""Typed configuration (docs/reference.md, "Config"), validated once at load."""

from monitor.config.durations import format_duration, parse_duration
from monitor.config.loader import load_config, parse_config
from monitor.config.models import (
    AlertRuleConfig,
    ChannelConfig,
    Config,
    DriftConfig,
    FeaturesConfig,
    MonitorConfig,
    PredictionConfig,
    ReferenceConfig,
    ReportsConfig,
    ScheduleConfig,
    SourceConfig,
    TargetConfig,
)

__all__ = [
    "AlertRuleConfig",
    "ChannelConfig",
    "Config",
    "DriftConfig",
    "FeaturesConfig",
    "MonitorConfig",
    "PredictionConfig",
    "ReferenceConfig",
    "ReportsConfig",
    "ScheduleConfig",
    "SourceConfig",
    "TargetConfig",
    "format_duration",
    "load_config",
    "parse_config",
    "parse_duration",
]
