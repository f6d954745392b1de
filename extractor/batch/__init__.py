"""Many documents at once: walking inputs, worker engines (local processes or Dask), the
resumable DuckDB store and the exports analysts open (CSV, XLSX, Parquet, JSON Lines)."""
from .discover import SUPPORTED_SUFFIXES, InputFile, MissingInput, discover
from .engine import ENGINES, EngineError, default_jobs, run_tasks
from .exports import FORMATS, read_frame, read_rows, write_all, write_table
from .runner import RunOptions, RunSummary, run_batch
from .store import Store, StoreError
from .worker import Task, process_task

__all__ = [
    "SUPPORTED_SUFFIXES", "InputFile", "MissingInput", "discover", "ENGINES", "EngineError",
    "default_jobs", "run_tasks", "FORMATS", "read_frame", "read_rows", "write_all", "write_table",
    "RunOptions", "RunSummary", "run_batch", "Store", "StoreError", "Task", "process_task",
]
