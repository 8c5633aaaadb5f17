from pathlib import Path

import pandas as pd
import pytest

from reportgen.inputs import episodes, loaders
from reportgen.inputs.errors import DataError

from conftest import REPO

DATES = pd.bdate_range("2024-01-01", periods=10)  # 2024-01-01 .. 2024-01-12


def frame(rows):
    return pd.DataFrame(rows, columns=["name", "start", "end", "description"]).astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})


def test_only_episodes_overlapping_the_data_are_kept_and_clipped():
    listed = frame([
        ("before", "2023-01-01", "2023-02-01", ""),
        ("straddles start", "2023-12-20", "2024-01-03", ""),
        ("inside", "2024-01-04", "2024-01-09", ""),
        ("one day only", "2024-01-12", "2024-02-01", ""),
    ])
    within = episodes.episodes_within(listed, DATES)
    assert within["name"].tolist() == ["straddles start", "inside"]
    assert within["first"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-04")]
    assert within["last"].tolist() == [pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-09")]
    assert within["clipped"].tolist() == [True, False]


def test_episode_return_runs_from_the_first_close_to_the_last():
    returns = pd.DataFrame({"s": [0.0, 0.1, -0.5, 0.2, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0]}, index=DATES)
    within = episodes.episodes_within(frame([("e", "2024-01-02", "2024-01-04", "")]), DATES)
    table = episodes.episode_returns(returns, within)
    # the return of the first day (into the close of 2 Jan) is before the episode starts
    assert table.loc["e", "s"] == pytest.approx(0.5 * 1.2 - 1)


def test_bundled_episodes_have_valid_dates_and_cover_the_bundled_data():
    listed = loaders.read_market_episodes(REPO / "data" / "market_episodes.csv")
    assert (listed["end"] >= listed["start"]).all() and listed["start"].is_monotonic_increasing
    assert {"Covid crash", "2022 rate-hike bear market", "2018 Q4 selloff"} <= set(listed["name"])
    covid = listed.set_index("name").loc["Covid crash"]
    assert (covid.start, covid.end) == (pd.Timestamp("2020-02-19"), pd.Timestamp("2020-03-23"))
    prices = loaders.read_prices(REPO / "data" / "GSPC_fixed.csv", price_column="Close")
    # the 2020 and 2022 episodes run from an S&P 500 record close to the low of the selloff
    for name in ("Covid crash", "2022 rate-hike bear market", "2018 Q4 selloff"):
        e = listed.set_index("name").loc[name]
        window = prices[e.start:e.end]
        assert window.idxmax() == e.start and window.idxmin() == e.end, name


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,start,end\nx,2020-01-01,2020-02-01\n", "no episode column 'description'"),
        ("name,start,end,description\nx,2020-13-01,2020-02-01,d\n", "row 2, column 'start': cannot parse date '2020-13-01'"),
        ("name,start,end,description\nok,2020-01-01,2020-02-01,d\nx,2020-03-01,2020-02-01,d\n", "row 3: episode 'x' ends before it starts"),
    ],
)
def test_malformed_episode_files_are_named_with_the_row(tmp_path: Path, text: str, message: str):
    path = tmp_path / "episodes.csv"
    path.write_text(text)
    with pytest.raises(DataError) as error:
        loaders.read_market_episodes(path)
    assert str(error.value).startswith(str(path)) and message in str(error.value)
