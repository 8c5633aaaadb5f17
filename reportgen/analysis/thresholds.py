"""The report's cutoffs, in one place: the analysis decides with them and the pages state them.

Templates never hold a number like 0.05 or 0.95; they receive these (pages.py puts them in every
template's globals) or a verdict computed from them.
"""

SIGNIFICANCE = 0.05  # a p-value below this is "significant at 5 %"
CONFIDENT = 0.95  # a probabilistic or deflated Sharpe ratio at or above this is "distinguishable from luck"
# A reported figure within this of ours "matches": half a unit in the fourth decimal of a fraction,
# the precision the reference figures are published with.
MATCH_TOLERANCE = 0.00005
VECTORBT_DAYS_PER_YEAR = 365  # vectorbt's stats() with freq="1D" annualises with calendar days
# A weight (a share of value held in an asset, or in all assets) above this is "held"; at or
# below it, rounding residue of a sale or a rebalance. The one threshold of holdings counts,
# weight downloads and "never invested".
HELD_WEIGHT = 1e-12
