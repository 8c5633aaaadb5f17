"""Evaluation: the analysis run over a report's strategies and portfolios.

It reads no file: it receives plain data (prices, predictions, the benchmark, the risk-free rate,
market episodes) and small settings, runs the analysis (reportgen.analysis) a block of columns at
a time within the memory budget (reportgen.compute.blocks), and returns the records of
reportgen.results. Its heavy blocks (placebo runs, bootstrap resamples) are tasks of a
`map_tasks` the caller chooses. It may import reportgen.inputs, reportgen.analysis,
reportgen.model, reportgen.compute and reportgen.results; publish never imports it.
"""
