"""The user-error family: raised at the boundaries (config, loaders), caught only in the CLI."""


class ReportgenError(Exception):
    """A problem with the user's input: printed as one `error:` line, exit code 2."""


class ConfigError(ReportgenError):
    """The configuration file is missing, malformed or invalid."""


class DataError(ReportgenError):
    """An input data file is missing or malformed."""


class SiteError(ReportgenError):
    """The output folder cannot be written safely."""


class ServeError(ReportgenError):
    """The preview server cannot start (the port is taken, or not allowed)."""
