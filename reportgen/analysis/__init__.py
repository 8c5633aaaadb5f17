"""Analysis: pure functions from prices, predictions and attention to figures.

Signals, position sizes, the vectorbt backtest, headline metrics (quantstats), statistics
(PSR, DSR, bootstrap intervals), sweeps, attention scores, informativeness and the attention
placebo tests. It may import reportgen.inputs only; it never writes a file, draws a chart or
knows how its work is scheduled.
"""
