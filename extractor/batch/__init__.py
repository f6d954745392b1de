"""Many documents at once: walking inputs, worker engines (local processes or Dask), the
resumable DuckDB store and the exports analysts open (CSV, XLSX, Parquet, JSON Lines)."""
import importlib

# names → submodule, imported on first use (PEP 562): a worker process that only needs
# ``batch.worker`` does not load DuckDB, pyarrow and openpyxl through this package
_EXPORTS = {
    "SUPPORTED_SUFFIXES": "discover", "InputFile": "discover", "MissingInput": "discover",
    "discover": "discover", "ENGINES": "engine", "EngineError": "engine",
    "default_jobs": "engine", "run_tasks": "engine", "FORMATS": "exports",
    "ExportError": "exports", "read_frame": "exports", "read_rows": "exports",
    "write_all": "exports", "write_table": "exports", "RunOptions": "runner", "RunSummary": "runner",
    "run_batch": "runner", "Store": "store", "StoreError": "store", "Task": "worker",
    "process_task": "worker",
}


def __getattr__(name: str):
    sub = _EXPORTS.get(name)
    if sub is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{sub}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

__all__ = [
    "SUPPORTED_SUFFIXES", "InputFile", "MissingInput", "discover", "ENGINES", "EngineError",
    "default_jobs", "run_tasks", "FORMATS", "ExportError", "read_frame", "read_rows", "write_all",
    "write_table", "RunOptions", "RunSummary", "run_batch", "Store", "StoreError", "Task",
    "process_task",
]
