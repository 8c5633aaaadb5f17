"""Publish: from a computed Report to files: views (chart specs per page), Altair charts, Jinja
pages, tearsheets, downloads, the provenance footer, the content-addressed cache, the safe output
folder and the mkdocs site.

It may import reportgen.inputs, reportgen.analysis, reportgen.model and reportgen.results; only
this stage writes into the output folder.
"""
