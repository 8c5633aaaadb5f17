"""Model: `reportgen train`'s walk-forward ATT-LSTM: features, the network (the only module that
imports torch), training, fold plans, forecast scores and the provenance sidecar.

It sits beside reportgen.analysis: it may import reportgen.inputs only, and neither imports the other.
"""
