"""Where the build's files are: the config's own, or those bundled with reportgen.

Templates, mkdocs.yml and the market episodes come from the config's `[site]`/`[data]` tables,
else from beside the config, else from reportgen's installation (the wheel's `_bundled/`, or the
top of a source checkout).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportgen.inputs.config import Config
from reportgen.inputs.errors import ConfigError

_PACKAGE = Path(__file__).resolve().parents[1]  # the reportgen package


def bundled_resource(name: str) -> Path:
    """A file shipped with reportgen: inside the wheel, or at the top of a source checkout."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"reportgen installation is missing {name}")


def _resource(configured: Path | None, beside_config: Path, name: str) -> Path:
    if configured is not None:
        if not configured.exists():
            raise ConfigError(f"{configured}: not found (named in the [site] table)")
        return configured
    return beside_config if beside_config.exists() else bundled_resource(name)


def episodes_file(config: Config) -> Path:
    """The market episodes: [data] episodes, else data/market_episodes.csv beside the config, else reportgen's own."""
    name = "data/market_episodes.csv"
    configured = config.data.episodes if config.data is not None else None
    return configured or _resource(None, config.source.parent / name, name)


def price_files(config: Config) -> list[Path]:
    """The price files the build reads: [data] prices, [universe] prices and benchmark."""
    files = [config.data.prices] if config.data is not None else []
    if config.universe is not None:
        files += [config.universe.prices] + ([config.universe.benchmark] if config.universe.benchmark is not None else [])
    return files


def templates_folder(config: Config) -> Path:
    """The page templates: [site] templates, else templates/ beside the config, else reportgen's own."""
    return _resource(config.site.templates, config.source.parent / "templates", "templates")


def mkdocs_file(config: Config) -> Path:
    """The mkdocs.yml: [site] mkdocs_config, else mkdocs.yml beside the config, else reportgen's own."""
    return _resource(config.site.mkdocs_config, config.source.parent / "mkdocs.yml", "mkdocs.yml")


@dataclass(frozen=True)
class InputFiles:
    """Every file the build reads, in one list: the report's input hashes, the output-folder
    guard, the cache key and `reportgen serve`'s watch list all come from here."""

    config: Path
    data: list[Path]  # prices, predictions, provenance sidecars, market episodes (hashed in the report)
    templates: Path  # a folder
    mkdocs: Path

    def guarded(self) -> list[Path]:
        """What an output folder must not contain: every input file and the templates folder."""
        return [self.config, *self.data, self.templates, self.mkdocs]

    def watched(self) -> list[Path]:
        """Every file whose edit changes the site: config, data, each template file, mkdocs.yml."""
        templates = sorted(p for p in self.templates.rglob("*") if p.is_file())
        return list(dict.fromkeys([self.config, *self.data, self.mkdocs, *templates]))


def input_files(config: Config) -> InputFiles:
    """The build's input files, resolved as the build reads them (configured, beside the config, or bundled)."""
    data = [*price_files(config), *(m.predictions for m in config.models)]
    data += [m.provenance for m in config.models if m.provenance is not None]
    data.append(episodes_file(config))
    if isinstance(config.backtest.risk_free, Path):
        data.append(config.backtest.risk_free)
    if config.universe is not None and config.universe.membership is not None:
        data.append(config.universe.membership)
    return InputFiles(config.source, list(dict.fromkeys(data)), templates_folder(config), mkdocs_file(config))
