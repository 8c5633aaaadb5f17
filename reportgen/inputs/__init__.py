"""Inputs: the typed config, the CSV/JSON loaders, the errors a user can cause, market episodes,
where the build's files are found, and the one record of every input (record.read_inputs), read
and checked before any computation.

Everything that reads a user's file lives here, and every problem with one is raised here as a
ReportgenError (one `error:` line in the CLI). It imports no other stage of reportgen.
"""
