"""reportgen: attention-weighted strategy backtests published as an offline report site.

The package is laid out by stage; imports only point down the stages:

    inputs/      config, loaders, errors, episodes, resources        (imports no other stage)
    analysis/    signals, backtest, metrics, statistics, sweeps, attention, ... (inputs)
    model/       reportgen train's walk-forward ATT-LSTM             (inputs, analysis)
    compute/     executors (Dask, forked workers) and blocks of columns from a memory budget
                                                                     (imports no other stage)
    results.py   the records that pass between stages               (inputs, analysis, model)
    evaluation/  the analysis run over the strategies and portfolios (all of the above)
    publish/     metrics.json, views, charts, pages, downloads, site, cache
                                                      (inputs, analysis, model, results, compute.jobs)
    scaffold/    reportgen init and schema: inputs inspected, project files, config schema
                                                                     (inputs, analysis)
    pipeline.py  the stages wired into one build; cli.py and preview.py (`reportgen serve`) on top

tests/test_layout.py checks the directions, that no import makes a circle and that no module
uses another's private names.
"""

__version__ = "0.1.0"
