"""Templates place values; Python decides. No markdown template computes: no pandas or numpy
calls, no arithmetic, no NaN tests, no comparisons with cut-offs, no number literals."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
EXPRESSION = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)
STRING = re.compile(r"\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'")
FORBIDDEN = {
    "a pandas or numpy call": re.compile(
        r"\.(mean|min|max|sum|std|median|quantile|nunique|unique|tolist|to_list|itertuples|iterrows|notna|isna|any|all|"
        r"round|date|dropna|groupby|value_counts|abs|sort_values|cost_row|null_quantile|share_below)\s*\(|\.(iloc|loc|shape|values)\b"
    ),
    "arithmetic": re.compile(r"(?<![\w)\]])-\s*\d|[\w)\]\"]\s*[-+*/%]\s*[\w(]|\*\*"),
    "a NaN test or comparison": re.compile(r"!=|<=|>=|(?<![-=])<(?!=)|(?<![-=])>(?!=)"),
    "a number literal (a cut-off)": re.compile(r"(?<![\w.\[])\d+(\.\d+)?(?![\w\]])"),
    "a numeric filter": re.compile(r"\|\s*(round|abs|int|float|sum|min|max|format)\b"),
}
ALLOWED_NUMBERS = {"0", "1"}  # positions (an index in brackets is always allowed), not cut-offs


def offences(source: str) -> list[str]:
    found = []
    for match in EXPRESSION.finditer(source):
        expression = STRING.sub('""', match.group(1) or match.group(2))
        for kind, pattern in FORBIDDEN.items():
            for hit in pattern.finditer(expression):
                if kind.startswith("a number") and hit.group(0) in ALLOWED_NUMBERS:
                    continue
                line = source[: match.start()].count("\n") + 1
                found.append(f"line {line}: {kind}: {match.group(0).strip()[:90]}")
    return found


def test_the_scanner_finds_what_it_forbids():
    assert offences("{{ x.mean() | ratio }}") and offences("{{ (a - b) | ratio }}") and offences("{% if x != x %}")
    assert offences("{{ 'a' if p < 0.05 else 'b' }}") and offences("{{ (c * 100) | round(0) | int }}")
    assert offences("{% if lag > 1 %}s{% endif %}") and offences("{{ t.null_quantile(0.95) }}")
    assert offences("{{ 'last %d days' % p.window }}")
    assert not offences("{{ row.sharpe | ratio }} {{ f.sentence | prose }} {% for a, b in pairs %}{{ b[0] }}{% endfor %}")
    assert not offences("{{ chart(m.id ~ '-costs', 'Total return < 0 - fees * 2') }}")  # inside strings: text


def test_no_markdown_template_computes():
    found = {path.name: offences(path.read_text()) for path in sorted(TEMPLATES.glob("*.md.j2"))}
    assert {name: hits for name, hits in found.items() if hits} == {}
