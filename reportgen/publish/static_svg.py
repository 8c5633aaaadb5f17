"""Charts drawn as static SVG documents by vl-convert: the only module that draws them, and one
without Altair, so the processes that draw them never import it (0.4 s and about 60 MB each).

    chart_svg(spec)          a Vega-Lite spec drawn as SVG, at the Vega-Lite version its $schema names
    numbered_svg_ids(svg)    clip-path and gradient ids numbered in order of first use
"""

from __future__ import annotations

import functools
import hashlib
import json
import re

from reportgen.publish import print_fonts

_SCHEMA_VERSION = re.compile(r"/vega-lite/v(\d+)\.(\d+)\.")


def vega_lite_version(spec: dict) -> str:
    """'6.4' of a spec whose $schema is .../vega-lite/v6.4.1.json: the version Altair wrote it
    for, which vl-convert draws it with."""
    found = _SCHEMA_VERSION.search(spec["$schema"])
    if found is None:
        raise ValueError(f"not a Vega-Lite schema: {spec['$schema']!r}")
    return f"{found[1]}.{found[2]}"


_SVG_IDS = re.compile(r'(id="|url\(#)(clip|gradient_)(\d+)(?=[")])')  # only ids and references, never text


def numbered_svg_ids(svg: str) -> str:
    """`svg` with its clip-path and gradient ids numbered 1, 2, ... in order of first use.

    Vega numbers them from a counter that lives as long as vl-convert's JavaScript runtime, so
    the same chart drawn after others (in another order, in another worker process, or taken
    from the cache of another build) would otherwise carry other ids and other bytes. Each SVG
    is a document of its own (an <img> data URL), so ids need only be unique within it.
    """
    numbers: dict[tuple[str, str], int] = {}

    def renumbered(match: re.Match) -> str:
        before, kind, number = match.groups()
        if (kind, number) not in numbers:
            numbers[kind, number] = 1 + sum(1 for k in numbers if k[0] == kind)
        return f"{before}{kind}{numbers[kind, number]}"

    return _SVG_IDS.sub(renumbered, svg)


@functools.cache
def _vl_convert():
    """vl-convert, with the print metrics fonts registered (once per process: a forked worker
    has vl-convert's runtime of its own)."""
    import vl_convert

    vl_convert.register_font_directory(str(print_fonts.FONT_FOLDER))
    return vl_convert


# The charts drawn in this process by a digest of their spec's JSON (a preview redraws only what
# changed), the oldest left out past _KEPT: keyed by the JSON itself, a worker kept every spec it
# drew (6-8 MB a worker in the bundled report, 220 KB a chart).
_DRAWN: dict[tuple[bytes, str], str] = {}
_KEPT = 256


def _svg(spec_json: str, vl_version: str) -> str:
    key = (hashlib.blake2b(spec_json.encode(), digest_size=20).digest(), vl_version)
    svg = _DRAWN.get(key)
    if svg is None:
        drawn = _vl_convert().vegalite_to_svg(spec_json, vl_version=vl_version, allowed_base_urls=[])
        svg = numbered_svg_ids(drawn.replace(_MEASURED_AS, _PRINTED_AS))
        if len(_DRAWN) >= _KEPT:
            del _DRAWN[next(iter(_DRAWN))]
        _DRAWN[key] = svg
    return svg


# Static charts are printed (WeasyPrint, a browser's print) with whatever font the printing
# machine resolves, after vl-convert placed each legend entry by its own measure of the text.
# Both measure this wide font where it is installed (DejaVu Sans: 13 % wider than the Liberation
# Sans vl-convert picks for system-ui, which let "equal weights, same holdings" run into the next
# label in the PDF); a narrower fallback only leaves more room.
PRINT_FONT = "DejaVu Sans, Verdana, Geneva, sans-serif"
# vl-convert measures the text in print_fonts' copies of DejaVu Sans (the same metrics; the
# bundled report's static charts in three quarters of the time), and the SVG then names the
# fonts it prints with. Text is escaped in an
# SVG, so only a font-family attribute can hold this quoted string.
_MEASURED_FONT = PRINT_FONT.replace("DejaVu Sans", print_fonts.METRICS_FAMILY, 1)
_MEASURED_AS, _PRINTED_AS = f'font-family="{_MEASURED_FONT}"', f'font-family="{PRINT_FONT}"'


def chart_svg(spec: dict) -> str:
    """The chart of a Vega-Lite spec drawn once as a static SVG document (for print, and for
    readers without JavaScript). Drawn by vl-convert without a browser: the data is inline, no
    base URL is allowed for data, and text is left to the reader's system fonts, so nothing is
    fetched. A chart of container width is drawn at the theme's 640 px, in PRINT_FONT (measured
    in print_fonts' copy of it). Without an ARIA label on every mark item (its fields, written out):
    the SVG is shown as an <img>, which a screen reader reads by its alt text and never looks inside;
    the axes and legends keep theirs. Those labels were 47 % of a 100-asset universe's static charts
    and 58 % of its holdings heatmap (910 KB for 3,138 cells); the pixels are the same. Cached by
    spec, so a preview's rebuilds redraw only what changed."""
    config = spec.get("config", {})
    printed = {**spec, "config": {**config, "font": _MEASURED_FONT, "mark": {**config.get("mark", {}), "aria": False}}}
    return _svg(json.dumps(printed, sort_keys=True, allow_nan=False), vega_lite_version(spec))
