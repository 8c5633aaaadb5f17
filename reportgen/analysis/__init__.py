"""Analysis: pure functions from prices, predictions and attention to figures.

Signals, position sizes, the vectorbt backtests (backtest for one asset, portfolio_backtest and
its kernel for portfolios), headline metrics (quantstats), statistics (PSR, DSR, bootstrap draws),
the bootstrap's indices, sweeps, attention scores, informativeness, portfolios' weights and the
attention tests' pieces (permutations, p-value, verdicts). It may import reportgen.inputs only; it
never writes a file, draws a chart or knows how its work is scheduled: reportgen.evaluation runs
it over a report's strategies and portfolios.
"""
