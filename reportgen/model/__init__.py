"""Model: `reportgen train`'s walk-forward ATT-LSTM: features, the network (the only module that
imports torch), training, fold plans, forecast scores and the provenance sidecar.

It sits above reportgen.analysis: it may import reportgen.inputs and reportgen.analysis (whose
metrics score its forecasts: one AUC, one NaN-to-null rule); analysis never imports it.
"""
