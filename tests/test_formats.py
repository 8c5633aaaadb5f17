"""One formatter per kind of figure: fixed decimals, n/a for missing, no exponent, no wrapping."""

import math

import pytest

from reportgen.publish import formats
from reportgen.publish.formats import NBSP

NAN = float("nan")


@pytest.mark.parametrize(
    "kind, value, shown",
    [
        ("percent", -0.143579, f"-14.36{NBSP}%"),
        ("percent", 10.2385, f"1,023.85{NBSP}%"),
        ("percent", -0.00001, f"0.00{NBSP}%"),  # no "-0.00"
        ("daily_percent", 0.000123, f"0.012{NBSP}%"),
        ("probability", 0.31, f"31{NBSP}%"),
        ("probability", 0.3104, f"31{NBSP}%"),
        ("probability", 0.9996, f">{NBSP}99{NBSP}%"),
        ("probability", 1.0, f"100{NBSP}%"),
        ("probability", 0.0004, f"<{NBSP}1{NBSP}%"),
        ("probability", 0.0, f"0{NBSP}%"),
        ("ratio", -0.287568, "-0.29"),
        ("ratio", 1234.5, "1,234.50"),
        ("score", 0.142857, "0.1429"),
        ("score", 9.69e-09, f"<{NBSP}0.0001"),
        ("score", -3e-07, f">{NBSP}-0.0001"),
        ("score", 0.0, "0.0000"),
        ("money", 4.2727, "4.27"),
        ("money", 13373.0412, "13,373.04"),
        ("count", 90560, "90,560"),
        ("count", 1000, "1,000"),
        ("basis_points", 10.0, f"10{NBSP}bp"),
        ("basis_points", 2.5, f"2.5{NBSP}bp"),
        ("p_value", 0.19, "0.19"),
        ("p_value", 0.047, "0.047"),
        ("p_value", 0.0004, f"<{NBSP}0.001"),
        ("p_value", 1.0, "1.00"),
        ("multiple", 21.64, "21.6\u00d7"),
        ("setting", 0.5, "0.5"),
        ("setting", 0.15, "0.15"),
        ("setting", 1e-7, "0.0000001"),
        ("setting", 3.0, "3"),
    ],
)
def test_each_kind_prints_its_fixed_format(kind, value, shown):
    assert formats.formatted(value, kind) == shown


@pytest.mark.parametrize("kind", sorted(formats.FORMATTERS))
def test_missing_values_read_n_a_and_nothing_is_in_scientific_notation(kind):
    assert formats.formatted(None, kind) == "n/a" and formats.formatted(NAN, kind) == "n/a"
    for value in (1e-12, 3.2e-9, 7.5e-5, 1e9, -2.5e-8):
        assert "e" not in formats.formatted(value, kind).lower(), (kind, value)


def test_p_statement_reads_as_in_a_sentence():
    assert formats.p_statement(0.19) == f"p{NBSP}={NBSP}0.19"
    assert formats.p_statement(0.0002) == f"p{NBSP}<{NBSP}0.001"


def test_an_interval_never_wraps_and_prints_its_bounds_by_kind():
    assert formats.interval((-1.0712, 0.6345)) == f"[-1.07,{NBSP}0.63]"
    assert formats.interval((-0.1787, 0.0681), "percent") == f"[-17.87{NBSP}%,{NBSP}6.81{NBSP}%]"
    assert " " not in formats.interval((-0.1787, 0.0681), "percent")  # no ordinary space to break at
    assert formats.interval((math.nan, 1.0)) == "n/a" and formats.interval(None) == "n/a"


def test_a_percent_never_wraps_away_from_its_number():
    for kind in ("percent", "daily_percent", "probability"):
        assert " %" not in formats.formatted(0.1234, kind) and f"{NBSP}%" in formats.formatted(0.1234, kind)


def test_a_name_keeps_each_number_with_its_unit_and_nothing_else_changes():
    name = "Hybrid: held 3 days, 15 % vol target, 5 % stop, 10 bp fees"
    assert formats.unbroken(name) == f"Hybrid: held 3 days, 15{NBSP}% vol target, 5{NBSP}% stop, 10{NBSP}bp fees"
    assert formats.unbroken("top % of 3 bps, a % b") == "top % of 3 bps, a % b"  # no number before, or not the unit


def test_a_file_size_reads_in_kb_below_a_megabyte_and_in_mb_from_there():
    assert formats.file_size(12_595) == f"12.3{NBSP}KB"
    assert formats.file_size(2**20 - 1) == f"1,024.0{NBSP}KB"
    assert formats.file_size(9_437_184) == f"9.0{NBSP}MB"
