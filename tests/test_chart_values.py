"""chart_values.records against Altair's own conversion of the same frames."""

import json

import numpy as np
import pandas as pd
import pytest
from altair.utils.data import to_values

from reportgen.publish import chart_values, charts


def _altair_json(frame: pd.DataFrame) -> str:
    return json.dumps(to_values(frame)["values"], sort_keys=True)


def _frame_of_every_kind() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2020-01-31 00:00:00", "2020-02-03 15:30:00", None, "1999-12-31 00:00:00"]),
            "value": [1.5, np.nan, np.inf, -np.inf],
            "share": [0.1, 0.2 + 1e-17, -0.0, 1e300],
            "count": np.array([1, -2, 3, 2**40], dtype=np.int64),
            "small": np.array([1, 2, 3, 4], dtype=np.int32),
            "held": [True, False, True, False],
            "name": ["a", None, "c é", "<d>"],
            "kind": pd.Categorical(["x", None, "y", "x"]),
            "label": pd.array(["p", None, "q", "r"], dtype="string"),
            "mixed": [1, "two", None, 3.5],
        },
        index=[10, 11, 12, 13],
    )


def test_the_rows_are_the_json_altair_makes_of_every_column_kind_a_chart_uses():
    frame = _frame_of_every_kind()
    made = chart_values.records(frame)
    assert made is not None
    assert json.dumps(made, sort_keys=True) == _altair_json(frame)
    assert made[1]["value"] is None and made[2]["value"] is None and made[3]["value"] is None  # NaN, inf: null
    assert made[2]["date"] == "" and made[1]["date"] == "2020-02-03T15:30:00"
    assert type(made[0]["count"]) is int and type(made[0]["held"]) is bool


def test_an_empty_frame_and_a_frame_without_columns_match_too():
    empty = _frame_of_every_kind().iloc[:0]
    assert chart_values.records(empty) == [] == to_values(empty)["values"]
    no_columns = pd.DataFrame(index=range(3), columns=pd.Index([], dtype=object))
    assert chart_values.records(no_columns) == [{}, {}, {}] == to_values(no_columns)["values"]


@pytest.mark.parametrize(
    "column",
    [
        pd.to_datetime(["2020-01-01 00:00:00.5", "2020-01-02 00:00:00.0"]),  # isoformat() writes the fraction
        pd.to_datetime(["2020-01-01", "2020-01-02"]).tz_localize("UTC"),  # and the offset
        pd.array([1, None], dtype="Int64"),
        np.array([0.1, 0.2], dtype=np.float32),
        pd.to_timedelta([1, 2], unit="D"),
    ],
    ids=["fractional seconds", "time zone", "nullable integers", "float32", "timedelta"],
)
def test_columns_it_does_not_convert_exactly_are_left_to_altair(column):
    assert chart_values.records(pd.DataFrame({"x": column})) is None


def test_a_chart_spec_inlines_the_same_data_as_altair_s_default_transformer():
    import altair as alt

    frame = _frame_of_every_kind()[["date", "value", "name"]].dropna(subset=["date"])
    chart = alt.Chart(frame).mark_line().encode(x="date:T", y="value:Q", color="name:N")
    with alt.data_transformers.enable("default", max_rows=None):
        expected = chart.to_dict(validate=False)
    assert charts.chart_spec(chart)["datasets"] == expected["datasets"]
