"""cleaner: turn raw web scrapes into clean, normalised article text.

    >>> import cleaner
    >>> doc = cleaner.clean("Most Read\\n...", format="text")
    >>> doc.text, doc.removed, doc.language

See README.md for the CLI and the record format.
"""

from cleaner.config import Config, load_config
from cleaner.document import Document, Line
from cleaner.errors import CleanerError, ConfigError
from cleaner.pipeline import Pipeline, clean

__version__ = "0.1.0"

__all__ = [
    "CleanerError",
    "Config",
    "ConfigError",
    "Document",
    "Line",
    "Pipeline",
    "__version__",
    "clean",
    "load_config",
]
