"""Inputs: the typed config, the CSV/JSON loaders, the errors a user can cause, market episodes,
provenance sidecars and where the build's files are found; `record.read_inputs(config) -> Inputs`
reads and checks every one of them before any computation.

Everything that reads a user's file lives here, and every problem with one is raised here as a
ReportgenError (one `error:` line in the CLI). It imports no other stage of reportgen.
"""
