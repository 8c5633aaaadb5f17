"""Publish: from a computed Report to files.

    metrics_document   metrics.json, one set of keys for strategies and portfolios
    publication        the site written from a computed report: pages, tearsheets, downloads,
                       static charts, staged and swapped in (published_site)
    build_cache        the computed report's cache key, the site's up-to-date stamp
    views, charts, ... chart specs per page (Altair only in charts), Jinja pages, tearsheets,
                       downloads, the provenance footer, the content-addressed cache, the safe
                       output folder and the mkdocs site

It may import reportgen.inputs, reportgen.analysis, reportgen.model and reportgen.results, never
reportgen.evaluation (it receives the Report the evaluation made); only this stage writes into
the output folder.
"""
