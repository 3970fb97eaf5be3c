"""Reading and writing data and model files: everything that crosses the process boundary.

- :mod:`linreg.io.tables`: CSV/Parquet readers (in memory and in batches, the same rules).
- :mod:`linreg.io.model_file`: JSON model files (data only, validated on load).
- :mod:`linreg.io.formula`: the one validated formula grammar of the API and the CLI.

Nothing read from a file reaches ``eval``, formulaic, pickle or an import before it has
been validated against a closed grammar.
"""
