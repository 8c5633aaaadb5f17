"""The provenance sidecar's schema and reader live in reportgen.inputs.provenance (the build
checks the sidecar with every other input before computing); the trainer, which writes it,
takes them from here."""

from reportgen.inputs.provenance import (
    CONVENTION,
    AssetFoldRecord,
    FoldRecord,
    InputRecord,
    Provenance,
    Scores,
    ScoresAgainstBaselines,
    UniverseFoldRecord,
    UniverseProvenance,
    checked_provenance,
    provenance_path,
    read_provenance,
)

__all__ = [
    "CONVENTION", "AssetFoldRecord", "FoldRecord", "InputRecord", "Provenance", "Scores", "ScoresAgainstBaselines",
    "UniverseFoldRecord", "UniverseProvenance", "checked_provenance", "provenance_path", "read_provenance",
]
