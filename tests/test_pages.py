import json

import pandas as pd

from reportgen.publish.pages import _spec_json, dates, num, pct, text


def test_text_escapes_html_and_markdown():
    assert text("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert text("[x](javascript:alert(1))") == r"\[x\]\(javascript:alert\(1\)\)"
    assert text("a|b_c*") == r"a\|b\_c\*"


def test_text_keeps_a_number_with_its_percent_on_one_line():
    assert text("Hybrid: 15 %  vol\ntarget, 5 % stop") == "Hybrid: 15\u00a0% vol target, 5\u00a0% stop"


def test_the_tearsheets_number_filters_print_like_the_kinds():
    assert pct(-0.143579) == "-14.36\u00a0%"  # formats.percent: the % never wraps
    assert pct(float("nan")) == "n/a" and num(None) == "n/a"
    assert num(1234.5678, 1) == "1,234.6"


def test_spec_json_cannot_close_its_script_element():
    raw = _spec_json({"title": "</script><img src=x onerror=alert(1)>", "n": 1})
    assert "</script" not in raw and "<" not in raw
    assert json.loads(raw)["title"] == "</script><img src=x onerror=alert(1)>"


def test_a_date_range_keeps_each_date_on_one_line():
    shown = dates(pd.bdate_range("2022-01-12", "2024-12-31"))
    assert shown == '<span class="nowrap">2022-01-12</span> to <span class="nowrap">2024-12-31</span>'  # .nowrap: reportgen.css
    assert dates(pd.DatetimeIndex([])) == '<span class="nowrap">n/a</span>'
