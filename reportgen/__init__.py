"""reportgen: attention-weighted strategy backtests published as an offline report site.

The package is laid out by stage; imports only point down the stages:

    inputs/     config, loaders, errors, episodes, resources        (imports no other stage)
    analysis/   signals, backtest, metrics, statistics, sweeps, attention, ... (inputs)
    model/      reportgen train's walk-forward ATT-LSTM             (inputs, analysis)
    results.py  the records that pass between stages               (inputs, analysis, model)
    publish/    views, charts, pages, downloads, site, cache        (all of the above)
    compute/    executors (Dask) and blocks of columns from a memory budget (imports no other stage)
    scaffold/   reportgen init and schema: inputs inspected, project files, config schema (inputs)
    pipeline.py, backtests.py, robustness.py, portfolio_report.py, portfolio_tasks.py, portfolio_document.py, report_document.py,
    build_cache.py, preview.py, cli.py: the top, which wires the stages together
                (tests/test_layout.py checks the directions).
"""

__version__ = "0.1.0"
