"""Market episodes (crises, regimes) within a model's dates, and each series' return in them.

The episodes come from a CSV users can extend (loaders.read_market_episodes; the bundled list is
data/market_episodes.csv): columns name, start, end, description. Plain pandas.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ("name", "start", "end", "description")


def episodes_within(episodes: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The episodes that overlap `dates` by at least two trading days, clipped to them.

    Adds `first` and `last` (the first and last date of `dates` inside the episode) and
    `clipped` (True when the episode runs beyond the data at either end).
    """
    rows = []
    for episode in episodes.itertuples(index=False):
        inside = dates[(dates >= episode.start) & (dates <= episode.end)]
        if len(inside) < 2:
            continue
        rows.append(
            {
                **episode._asdict(),
                "first": inside[0],
                "last": inside[-1],
                "clipped": bool(episode.start < dates[0] or episode.end > dates[-1]),
            }
        )
    columns = [*COLUMNS, "first", "last", "clipped"]
    return pd.DataFrame(rows, columns=columns)


def episode_returns(returns: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """Compounded return of each column over each episode, from the close of its `first` date to
    the close of its `last` date: one row an episode (indexed by name), one column a series."""
    growth = (1.0 + returns).cumprod()
    table = {
        episode.name: growth.loc[episode.last] / growth.loc[episode.first] - 1.0
        for episode in episodes.itertuples(index=False)
    }
    return pd.DataFrame(table, index=returns.columns).T.rename_axis("episode")
