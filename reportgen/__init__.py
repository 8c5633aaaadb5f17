"""reportgen: attention-weighted strategy backtests published as an offline report site."""

__version__ = "0.1.0"
