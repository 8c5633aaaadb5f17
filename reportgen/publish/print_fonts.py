"""The fonts vl-convert measures a static chart's text with: DejaVu Sans and DejaVu Sans Bold, as
matplotlib ships them, cut to the scripts a chart label is written in and renamed METRICS_FAMILY.

Static charts print in DejaVu Sans (static_svg.PRINT_FONT), so they are laid out with its
metrics. vl-convert loads a system font from its file on every text measurement (open, map,
unmap): about 4,800 times for one monthly-returns heatmap, a third of the time it takes to draw
the bundled report's 51 static charts. These copies, about 200 KB each instead of 750 KB,
measure every glyph they keep exactly as DejaVu Sans does (the same advance widths, kerning and
ligatures: tests/test_print_fonts.py), draw those 51 charts in three quarters of the time, and
lay them out the same on every machine, whether or not it has DejaVu Sans installed. A character
they do not keep is measured in the next font of the list, as before on a machine without it.

The renamed copies follow the Bitstream Vera licence of DejaVu Sans (assets/fonts/LICENSE): a
modified copy must not be called Bitstream, Vera or DejaVu.

    FONT_FOLDER, METRICS_FAMILY      where the copies are, and the family they are registered as
    write_print_fonts()              make them again (`python -m reportgen.publish.print_fonts`)
"""

from __future__ import annotations

from pathlib import Path

FONT_FOLDER = Path(__file__).resolve().parent / "assets" / "fonts"
METRICS_FAMILY = "Reportgen Print Metrics"

_SOURCES = {"Regular": "DejaVuSans.ttf", "Bold": "DejaVuSans-Bold.ttf"}


def _span(first: int, last: int) -> list[int]:
    return list(range(first, last + 1))


# Latin with its extensions, Greek, Cyrillic, punctuation, currency, letter-like symbols, arrows,
# mathematical operators and geometric shapes: what DejaVu Sans draws of the scripts a label
# (a strategy's name, a note, a number) is written in.
KEPT_CODE_POINTS = (
    _span(0x20, 0x7E) + _span(0xA0, 0x24F) + _span(0x370, 0x3FF) + _span(0x400, 0x4FF) + _span(0x1E00, 0x1EFF)
    + _span(0x2000, 0x206F) + _span(0x20A0, 0x20BF) + _span(0x2100, 0x214F) + _span(0x2190, 0x21FF)
    + _span(0x2200, 0x22FF) + _span(0x25A0, 0x25FF)
)


def font_file(style: str) -> Path:
    return FONT_FOLDER / f"ReportgenPrintMetrics-{style}.ttf"


def write_print_fonts() -> list[Path]:
    """Cut and rename matplotlib's DejaVu Sans and DejaVu Sans Bold into FONT_FOLDER (fontTools,
    which matplotlib depends on)."""
    import matplotlib
    from fontTools import subset
    from fontTools.ttLib import TTFont

    written = []
    for style, source in _SOURCES.items():
        font = TTFont(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / source, recalcTimestamp=False)
        options = subset.Options()
        options.name_IDs, options.name_languages, options.layout_features = ["*"], ["*"], ["*"]
        options.notdef_outline = True
        options.drop_tables += ["FFTM"]  # FontForge's timestamps
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=KEPT_CODE_POINTS)
        cutter.subset(font)
        for record in font["name"].names:
            if record.nameID in (1, 16):  # family
                record.string = METRICS_FAMILY
            elif record.nameID in (3, 4):  # unique and full name
                record.string = f"{METRICS_FAMILY} {style}"
            elif record.nameID == 6:  # PostScript name
                record.string = f"{METRICS_FAMILY.replace(' ', '')}-{style}"
        path = font_file(style)
        font.save(path)
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_print_fonts():
        print(written_path)
