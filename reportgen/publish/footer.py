"""Provenance of a built report: what produced it, from which inputs, and when. Plain text.

The same line closes every page of the site (as the mkdocs `copyright`, which Material and
Zensical print in the footer) and every tearsheet, so a page that travels alone still says
where it came from. Hashes are shortened to 12 hex digits here; the methodology page and
metrics.json carry them in full.
"""

from __future__ import annotations

from reportgen.results import Report

SHORT_HASH = 12


def provenance_line(report: Report) -> str:
    """'reportgen 0.1.0 · build date 2024-12-31 · config sha256 … · inputs sha256: a.csv …'."""
    inputs = ", ".join(f"{f.path} {f.sha256[:SHORT_HASH]}" for f in report.inputs)
    return (
        f"reportgen {report.version} · build date {report.build_date} · "
        f"config sha256 {report.config_sha256[:SHORT_HASH]} · inputs sha256: {inputs}"
    )
