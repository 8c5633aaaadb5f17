"""How reportgen's heavy work is cut up and scheduled: blocks of columns sized from a memory
budget (blocks.py). Imports nothing else of reportgen; the analysis exposes pure functions over a
block of columns and the top-level stages decide, through this package, how blocks are cut."""
