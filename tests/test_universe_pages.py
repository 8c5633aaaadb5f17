"""The universe pages' ready sentences and navigation."""

import pandas as pd

from reportgen.publish.formats import NBSP
from reportgen.publish.pages import Page
from reportgen.publish.site import _nav
from reportgen.publish.universe_fields import oldest_day_sentence


def test_a_peak_on_the_oldest_day_is_measured_against_the_even_weight_and_explained():
    even = 0.25
    profile = pd.DataFrame([[0.24, 0.25, 0.25, 0.26], [0.245, 0.25, 0.25, 0.255], [0.3, 0.2, 0.25, 0.25]], index=["A", "B", "C"])
    sentence = oldest_day_sentence(profile)
    assert sentence.startswith("2 of the 3 assets put their largest mean attention weight on the oldest day of the window (3 days back)")
    # (0.26 - 0.25) / 0.25 = 4 %, (0.255 - 0.25) / 0.25 = 2 %, (0.3 - 0.25) / 0.25 = 20 %: mean 8.67 %, at most 20 %
    assert f"only 8.67{NBSP}% above the even weight 1/4 on average (at most 20.00{NBSP}%)" in sentence
    assert "gives the most recent days no extra weight" in sentence
    assert oldest_day_sentence(profile.iloc[:, ::-1].set_axis(range(4), axis=1)) == ""  # peaks on the latest day: nothing to explain
    assert even == 1 / profile.shape[1]


def test_the_navigation_lists_sections_where_they_first_appear_with_short_entries():
    pages = [
        Page("index.md", "Overview", "", "Overview", "Summary"),
        Page("universe/m.md", "A long model name: portfolios", "", "Overview", "All portfolios"),
        Page("portfolios/p.md", "Prediction-weighted, top 5", "", "Portfolios", "Prediction-weighted"),
        Page("universe/m-attention.md", "A long model name: attention across assets", "", "Attention across assets", "Ranking the assets"),
        Page("methodology.md", "Methodology", ""),
    ]
    assert _nav(pages) == [
        {"Overview": [{"Summary": "index.md"}, {"All portfolios": "universe/m.md"}]},
        {"Portfolios": [{"Prediction-weighted": "portfolios/p.md"}]},
        {"Attention across assets": [{"Ranking the assets": "universe/m-attention.md"}]},
        {"Methodology": "methodology.md"},
    ]


def test_the_weighting_rules_print_configured_shares_as_written_and_unbroken():
    from types import SimpleNamespace

    from reportgen.publish.universe_fields import weighting_sentence

    config = SimpleNamespace(weighting="attention", top_k=10, threshold=0.5, max_weight=0.25, gross=1.0, rebalance="weekly", vol_window_days=63)
    assert weighting_sentence(SimpleNamespace(config=config)) == (
        f"Holds the 10 eligible assets with the highest prediction (prediction > 0.5) with weights proportional to the attention "
        f"score, 100{NBSP}% invested, each capped at 25{NBSP}% (the excess stays in cash); rebalanced weekly at the close, "
        "weights drifting with prices in between."
    )


def test_the_universe_caveat_opens_every_page_and_tearsheet_and_the_nav_has_its_sections(universe_project):
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import build

    caveat = "Hindsight: these assets were picked after the fact."
    config = universe_project / "reportgen.toml"
    config.write_text(config.read_text().replace("[universe]\n", f'[universe]\ncaveats = ["{caveat}"]\n', 1))
    site = universe_project / "site"
    build(load_config(config), site)
    pages = [p for p in site.rglob("*.html") if not p.relative_to(site).as_posix().startswith(("assets", "404"))]
    assert any(p.parent.name == "tearsheets" for p in pages) and any(p.parent.name == "portfolios" for p in pages)
    for page in pages:
        assert caveat in page.read_text(), page.relative_to(site)
    lines = [line.strip() for line in (site / "index.html").read_text().splitlines()]
    sections = [line for line in lines if line in ("Overview", "Portfolios", "Attention across assets", "Model")]
    assert list(dict.fromkeys(sections))[:3] == ["Overview", "Portfolios", "Attention across assets"]  # the nav's section order


def test_a_long_universe_is_named_by_its_first_and_last_assets_and_listed_under_a_note():
    from types import SimpleNamespace

    from reportgen.publish.universe_fields import NAMED_ASSETS, asset_list

    few = asset_list(SimpleNamespace(assets=["AAA", "BBB", "CCC"]))
    assert few.inline and few.count == 3 and few.names == ["AAA", "BBB", "CCC"]
    many = asset_list(SimpleNamespace(assets=[f"A{i:03d}" for i in range(500)]))
    assert not many.inline and (many.count, many.first, many.last) == (500, "A000", "A499") and len(many.names) == 500
    assert asset_list(SimpleNamespace(assets=[f"A{i}" for i in range(NAMED_ASSETS)])).inline
