"""Starting a project and describing the config: `reportgen init` and `reportgen schema`.

    detect.py     what a prices CSV and a predictions CSV hold: the date column, the price
                  column (an adjusted close over a close) or a universe's asset columns, the
                  attention column or attention vector, where the predictions sit around 0.5
    example.py    a small synthetic prices and predictions pair for `reportgen init` without files
    project.py    the files init writes (a commented reportgen.toml, the schema beside it, a
                  .gitignore, a GitHub Actions workflow), written only where no file exists
    schema.py     the JSON Schema of the config from its pydantic models, and the markdown
                  config reference generated from that schema
    cli_reference.py  the markdown CLI reference generated from the click commands

It may import reportgen.inputs only (the config models, the loaders that check an input, the
error family); click is handed in by the caller, never imported to reach the CLI.
"""
