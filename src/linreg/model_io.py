"""Model files (moved to :mod:`linreg.io.model_file`; this name is kept for imports)."""

from .io.model_file import (  # noqa: F401
    ESTIMATOR_CLASSES,
    FORMAT,
    MAX_STORED_MOMENT_ENTRIES,
    SCHEMA_VERSION,
    ModelFile,
    ModelFileError,
    load,
    read,
    save,
    to_document,
)

__all__ = ["ModelFileError", "save", "load", "read", "ModelFile", "FORMAT", "SCHEMA_VERSION"]
