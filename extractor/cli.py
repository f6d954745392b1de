"""The ``extractor`` command line: wires the library, holds no logic.

Results go to files or stdout; logs, warnings and the progress bar (only on a terminal) go to
stderr. Exit codes (every command):

    0  done
    1  findings at or above --fail-on (run, check)
    2  usage error, missing input path, rule-file error (RuleFileError), store or engine error,
       or a feature whose module is not installed
    3  some inputs could not be read or processed (the rest was processed and written)
  130  interrupted (Ctrl-C); with --db the next run resumes
  143  terminated (SIGTERM) during a batch: the same, once the run has stopped (within about a
       second: the workers are killed, the scratch folder removed)

When both 1 and 3 apply, 3 wins: the findings verdict rests on an incomplete batch.
"""
from __future__ import annotations

import importlib
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

BATCH_COMMANDS = ("run", "extract", "check")


def _jobs_from_argv(argv: list[str]) -> int | None:
    """The worker count of a local batch command read straight from ``argv``, before typer
    parses it; None unless it is clearly one (``run``/``extract``/``check``, no help, local
    engine, more than one job). A guess: ``_early_pool`` uses the pool only when the parsed
    options agree, so a misread costs time, never a result."""
    if len(argv) < 2 or argv[1] not in BATCH_COMMANDS:
        return None
    jobs, engine = None, "local"
    args = iter(argv[2:])
    for a in args:
        if a == "--":
            break
        if a in ("-h", "--help"):
            return None
        name, eq, value = a.partition("=")
        if name in ("--jobs", "--engine") and eq:
            pass
        elif a in ("--jobs", "-j", "--engine"):
            name, value = a, next(args, "")
        elif a.startswith("-j") and a[2:].isdigit():
            name, value = "-j", a[2:]
        else:
            continue
        if name == "--engine":
            engine = value
        elif not value.isdigit():
            return None
        else:
            jobs = int(value)
    if engine != "local":
        return None
    if jobs is None:
        from .batch.engine import default_jobs

        jobs = default_jobs()
    return jobs if jobs > 1 else None


def _started_by_script() -> bool:
    """This module is being imported to run the command line (the ``extractor`` console script
    or ``python -m extractor``), not by a program or a test that uses it."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None:
        return spec.name == "extractor.__main__"
    name = Path(getattr(main, "__file__", None) or "").name.lower()
    return name.removesuffix(".exe").removesuffix("-script.py") == "extractor"


def _start_pool_now():
    """The local engine's workers of a batch command, started before typer is even imported.

    The workers' start (fork server, imports, dictionaries, rules: about 0.4 s) is what the
    first document waits for; typer's import and the parsing took the first 0.15 s of the
    process while the second core idled. Parsed options that disagree with this guess
    drop the pool (``_early_pool``), and so does the end of ``app()`` when no command took it."""
    try:
        if not _started_by_script():
            return None
        jobs = _jobs_from_argv(sys.argv)
        if jobs is None:
            return None
        from .batch.engine import LocalPool

        return LocalPool(jobs, check_rules=True)
    except Exception:   # noqa: BLE001 - the command starts its pool itself, and reports why not
        return None


# SIGTERMs received before the run's own handler was installed (``_sigterm_stops_the_run``)
_EARLY_TERM: list[int] = []


def _term_early(signum, frame) -> None:
    _EARLY_TERM.append(signum)


# Ctrl-Cs received while the command line was imported (``_take_early_interrupt``)
_EARLY_INT: list[int] = []


def _int_early(signum, frame) -> None:
    _EARLY_INT.append(signum)


def _catch_sigterm_now() -> None:
    """SIGTERM from the first moment of a batch command run as the command line: recorded
    (``_term_early``) and handed to the run when it starts, which then stops at its first safe
    point (exit 143, workers ended, scratch folders removed). Left to its default until the
    run's handler came, a SIGTERM in the first second (the workers' start, parsing, the rule
    check) ended the process on the spot (-15), with the pool's ``pymp-*`` folder left in the
    temporary folder. Before the workers are started (``_start_pool_now``): they are
    started by the fork server, a new program, which has SIGTERM's default."""
    try:
        if len(sys.argv) > 1 and sys.argv[1] in BATCH_COMMANDS and _started_by_script():
            if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
                signal.signal(signal.SIGTERM, _term_early)
            # Ctrl-C too, until the command line is imported (_take_early_interrupt): a
            # KeyboardInterrupt out of the imports or the workers' start was a traceback
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                signal.signal(signal.SIGINT, _int_early)
    except ValueError:      # not the main thread: a program's business, not ours
        pass


def _take_early_interrupt() -> None:
    """Ctrl-C is Python's again (KeyboardInterrupt) once the command line is imported; one
    pressed meanwhile (``_int_early``) ends the command now: exit 130, "interrupted"."""
    try:
        if signal.getsignal(signal.SIGINT) is _int_early:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:
        return
    if _EARLY_INT:
        _err("interrupted")
        raise SystemExit(130)


_catch_sigterm_now()
_EARLY = [_start_pool_now()]    # [LocalPool or None]; a command takes it out

import typer  # noqa: E402 - after the workers' start on purpose (above)

from .errors import ExtractorError, RuleFileError  # noqa: E402

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3

class _App(typer.Typer):
    """The application; a worker pool started before parsing and taken by no command (a usage
    error, ``--help`` after the command …) is ended when it returns. Run as the command line
    (the console script, ``python -m extractor``), the process then ends at once
    (``_exit_now``)."""

    def __call__(self, *args, **kwargs):
        try:
            try:
                _take_early_interrupt()
                return super().__call__(*args, **kwargs)
            except KeyboardInterrupt:   # one outside the command's own handling (typer's
                if not _started_by_script():    # start before it parses): the same end
                    raise
                _err("interrupted")
                raise SystemExit(130) from None
            finally:
                _drop_early_pool()
        except SystemExit as exc:
            if _started_by_script():
                _exit_now(exc.code)
            raise


def _drop_early_pool() -> None:
    pool, _EARLY[0] = _EARLY[0], None
    if pool is not None:
        pool.close(kill=True)


app = _App(
    name="extractor",
    help="Turn Chinese work reports into tables of facts and flag the figures that cannot all be "
         "true.\n\nExit codes: 0 done, 1 findings at or above --fail-on, 2 usage or rule-file "
         "error, 3 some inputs could not be read (the rest was processed).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
rules_app = typer.Typer(help="Check the rule files in rules/ (rule authors).", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


# -- small helpers ------------------------------------------------------------------------------
def _err(msg: str) -> None:
    print(f"extractor: {msg}", file=sys.stderr, flush=True)


def _fail(msg: str, code: int = EXIT_USAGE) -> typer.Exit:
    _err(msg)
    return typer.Exit(code)


def _need(module: str, what: str):
    """Import a module another part of the project provides; exit 2 with a clear message if absent."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise _fail(f"{what} is not available in this installation "
                        f"(module {module} is missing)") from exc
        raise


def _quiet_libraries() -> None:
    """Library warnings (pypdf's "EOF marker not found" …) would reach stderr without the
    file's name; the document's status row and error line say what went wrong."""
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)


def _progress_wanted(no_progress: bool) -> bool:
    return (not no_progress and sys.stderr.isatty()
            and not os.environ.get("EXTRACTOR_NO_PROGRESS"))


def _formats(value: str) -> list[str]:
    from .batch import FORMATS

    fmts = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise typer.BadParameter(f"unknown format {', '.join(bad) or '(none)'}; "
                                 f"choose from {','.join(FORMATS)}", param_hint="--format")
    return list(dict.fromkeys(fmts))


def _preflight_rules() -> None:
    """Run the pipeline once here on a short genre text, strictly, so that a broken rule file
    (which the stages load lazily) is exit 2 with its file and line, not one failed row per
    document. It also loads the dictionaries and models before the first document's clock
    starts. Any other error is left to the documents, where it is recorded with their names."""
    from .batch.worker import preflight

    found = preflight()
    if found is not None:
        path, reason = found
        raise _fail(f"rule file error: {RuleFileError(path or None, reason)}")


# options shared by the batch commands
Paths = Annotated[list[Path], typer.Argument(help="Report files or folders (walked recursively).",
                                             show_default=False)]
Jobs = Annotated[Optional[int], typer.Option("--jobs", "-j", min=1,
                                             help="Worker processes (default: number of cores).")]
Engine = Annotated[str, typer.Option("--engine", help="local (process pool) or dask.")]
Scheduler = Annotated[Optional[str], typer.Option(
    "--scheduler", help="Dask scheduler address (tcp://host:8786); without it --engine dask "
                        "starts a local cluster.")]
ReportYear = Annotated[Optional[int], typer.Option(
    "--report-year", min=1949, max=2100, help="Year that anchors dates written without a year "
                                              "(default: inferred per document).")]
Timeout = Annotated[float, typer.Option(
    "--timeout-per-doc", min=0, help="Seconds one document may take before it is stopped and "
                                     "recorded with status timeout (0 = no limit).")]
Strict = Annotated[bool, typer.Option("--strict", help="A check that crashes fails its document "
                                                       "instead of becoming an info finding.")]
NoBom = Annotated[bool, typer.Option("--no-bom", help="Write CSV as plain UTF-8 (default: UTF-8 "
                                                      "with BOM, which Excel needs for Chinese).")]
FailOn = Annotated[Optional[str], typer.Option(
    "--fail-on", help="Exit 1 when there are findings of this severity or worse: error | warning "
                      "| info.", show_default=False)]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log every document on stderr.")]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="Never show the progress bar.")]
Exclude = Annotated[Optional[list[str]], typer.Option(
    "--exclude", "-x", help="Skip files in folders whose name or relative path matches this glob "
                            "(repeatable), e.g. --exclude 'README*' --exclude 'drafts/*'.")]


def _check_common(engine: str, fail_on: str | None) -> None:
    from .batch import ENGINES
    from .batch.runner import SEVERITY_RANK

    if engine not in ENGINES:
        raise typer.BadParameter(f"{engine!r}: choose from {', '.join(ENGINES)}",
                                 param_hint="--engine")
    if fail_on is not None and fail_on not in SEVERITY_RANK:
        raise typer.BadParameter(f"{fail_on!r}: choose from error, warning, info",
                                 param_hint="--fail-on")


def _early_pool(engine: str, jobs: int | None):
    """The local engine's workers, started now when there will be more than one: each takes
    about a second to load the dictionaries and rules, which then overlaps what this process
    does before the first document (importing DuckDB and Arrow, opening the store, hashing
    the first files). The first worker checks the rule files (``_batch`` asks for that check).
    A context manager; ``None`` for one job or Dask."""
    from contextlib import nullcontext

    from .batch.engine import LocalPool, default_jobs

    n = jobs or default_jobs()
    early, _EARLY[0] = _EARLY[0], None     # started before parsing (_start_pool_now)
    if early is not None and engine == "local" and early.jobs == n:
        return early
    if early is not None:
        early.close(kill=True)
    if engine != "local" or n <= 1:
        return nullcontext(None)
    return LocalPool(n, check_rules=True)


def _batch(opts, *, verbose: bool, no_progress: bool, export=None, pool=None):
    """Run the batch with stderr reporting; map library errors to exit 2."""
    from .batch import EngineError, ExportError, MissingInput, StoreError, run_batch
    from .batch.runner import Terminated

    from .batch import default_jobs

    _quiet_libraries()
    if opts.engine == "local" and (opts.jobs or default_jobs()) > 1:
        # the pool's first worker checks the rule files before any document (run_tasks): the
        # stages are then loaded once, in the workers, not here as well (start-up, memory)
        opts.check_rules = True
    else:
        _preflight_rules()
    progress = None
    task_id = None
    if _progress_wanted(no_progress):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeRemainingColumn)

        progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True,
                            refresh_per_second=4)

    def on_start(total: int) -> None:
        nonlocal task_id
        if progress is not None:
            progress.start()
            task_id = progress.add_task("documents", total=total)

    def on_document(row: dict) -> None:
        status = row.get("status")
        if status != "ok":
            _err(f"{row.get('source')}: {status}: {row.get('error')}")
        elif verbose:
            _err(f"{row.get('source')}: ok ({row.get('facts')} facts, "
                 f"{row.get('anomalies')} findings)")
        if progress is not None and task_id is not None:
            progress.advance(task_id)

    def on_skip(source: str) -> None:
        if verbose:
            _err(f"{source}: skipped (already in the store)")
        if progress is not None and task_id is not None:
            progress.advance(task_id)

    try:
        with _sigterm_stops_the_run(), _interrupts_turned_into_errors():
            summary = run_batch(opts, on_start=on_start, on_document=on_document,
                                on_skip=on_skip, export=export, pool=pool)
    except MissingInput as exc:
        raise _fail(f"{exc.path}: no such file or folder; check the path") from exc
    except (StoreError, EngineError, ExportError) as exc:
        raise _fail(str(exc)) from exc
    except RuleFileError as exc:
        raise _fail(f"rule file error: {exc}") from exc
    except (KeyboardInterrupt, Terminated) as exc:
        term = isinstance(exc, Terminated)
        raise _fail(("terminated (SIGTERM)" if term else "interrupted")
                    + ("; the next run with the same --db resumes"
                       if getattr(opts, "db", None) else ""), 143 if term else 130) from None
    finally:
        if progress is not None:
            progress.stop()
    return summary


@contextmanager
def _sigterm_stops_the_run():
    """SIGTERM (``kill``, ``timeout``, a job scheduler) asks the run to stop instead of ending
    the process on the spot, which left the run's scratch folder in /tmp: the handler only
    records the request (``runner.request_stop``) and the run raises ``Terminated`` at its
    next safe point, then unwinds as on Ctrl-C. A SIGTERM recorded before (``_term_early``)
    is handed to the run: it stops at once. Only in the main thread and when SIGTERM has no
    other handler; the previous handler comes back afterwards (``_term_early``'s: a SIGTERM
    once the run is done lets the command end as it does, moments later)."""
    import threading

    from .batch.runner import clear_stop, request_stop

    previous = signal.getsignal(signal.SIGTERM)
    if (threading.current_thread() is not threading.main_thread()
            or previous not in (signal.SIG_DFL, _term_early)):
        yield
        return
    clear_stop()
    signal.signal(signal.SIGTERM, lambda signum, frame: request_stop(signum))
    for signum in _EARLY_TERM:
        request_stop(signum)
    _EARLY_TERM.clear()
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        clear_stop()


@contextmanager
def _interrupts_turned_into_errors():
    """A Ctrl-C that a library turned into an error of its own (DuckDB's "Query interrupted"
    during any statement of a --db store, also when the exports wrap it in ``ExportError``)
    is raised as the KeyboardInterrupt it was: exit 130, "interrupted", not a traceback."""
    try:
        yield
    except Exception as exc:
        from .batch.store import interrupted

        seen, cause = set(), exc
        while cause is not None and id(cause) not in seen:
            if interrupted(cause):
                raise KeyboardInterrupt from None
            seen.add(id(cause))
            cause = cause.__cause__ or cause.__context__
        raise


def _exit_code(summary, fail_on: str | None) -> int:
    if summary.unreadable():
        return EXIT_UNREADABLE
    if fail_on and summary.findings_at_least(fail_on):
        return EXIT_FINDINGS
    return EXIT_OK


# -- run ------------------------------------------------------------------------------------------
@app.command(epilog="Example: extractor run corpora/ --out results/ --db results/store.duckdb "
                    "--fail-on error")
def run(
    paths: Paths,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the tables.",
                                      show_default=False)],
    db: Annotated[Optional[Path], typer.Option(
        "--db", help="DuckDB store: keeps every result, skips files already processed "
                     "(by content hash) and resumes an interrupted run.")] = None,
    commit_every: Annotated[int, typer.Option(
        "--commit-every", min=1, help="Documents per store transaction (also at least once a "
                                      "second); 1 = every document on its own: slower, loses "
                                      "nothing when the run is killed.")] = 32,
    jobs: Jobs = None,
    engine: Engine = "local",
    scheduler: Scheduler = None,
    format: Annotated[str, typer.Option("--format", "-f", help="Comma-separated output formats: "
                                                               "csv,xlsx,parquet,jsonl.")
                      ] = "csv,xlsx,parquet,jsonl",
    fail_on: FailOn = None,
    report_year: ReportYear = None,
    no_bom: NoBom = False,
    timeout_per_doc: Timeout = 120.0,
    strict: Strict = False,
    exclude: Exclude = None,
    verbose: Verbose = False,
    no_progress: NoProgress = False,
) -> None:
    """Facts, anomalies and documents tables for a corpus.

    Writes facts.*, anomalies.* and documents.* (csv, parquet, jsonl) and tables.xlsx into --out. Bad files never stop the run: each becomes a documents row with its error and a line on stderr; the run ends with "N ok, M failed" on stderr. With --db a second run processes only new or changed files.
    """  # noqa: E501
    with _early_pool(engine, jobs) as pool:     # first: the workers warm up meanwhile
        from .batch import RunOptions

        fmts = _formats(format)
        _check_common(engine, fail_on)
        opts = RunOptions(paths=[str(p) for p in paths], out_dir=str(out),
                          db=str(db) if db else None, jobs=jobs, engine=engine,
                          scheduler=scheduler, formats=fmts, report_year=report_year,
                          bom=not no_bom, timeout=timeout_per_doc or None, strict=strict,
                          command="run", exclude=exclude or (), commit_every=commit_every)
        summary = _batch(opts, verbose=verbose, no_progress=no_progress, pool=pool)
    if verbose:
        for p in summary.written:
            _err(f"wrote {p}")
    _err(f"{summary.line()} in {summary.seconds:.1f} s")
    raise typer.Exit(_exit_code(summary, fail_on))


# -- extract / check ----------------------------------------------------------------------------
def _one_table(table: str, paths, output: str, *, jobs, engine, scheduler, report_year,
               no_bom, timeout_per_doc, strict, verbose, no_progress, exclude,
               fail_on=None) -> None:
    with _early_pool(engine, jobs) as pool:     # first: the workers warm up meanwhile
        from .batch import RunOptions
        from .batch.exports import format_of, write_table

        try:
            fmt = format_of(output)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--output") from exc
        _check_common(engine, fail_on)

        def export(store):
            batches = store.batches(table)
            if output == "-":
                write_table(table, batches, sys.stdout, "jsonl")
                sys.stdout.flush()
                return []
            write_table(table, batches, output, fmt, bom=not no_bom)
            return [Path(output)]

        opts = RunOptions(paths=[str(p) for p in paths], jobs=jobs, engine=engine,
                          scheduler=scheduler, report_year=report_year, bom=not no_bom,
                          timeout=timeout_per_doc or None, strict=strict, command=table,
                          exclude=exclude or ())
        summary = _batch(opts, verbose=verbose, no_progress=no_progress, export=export,
                         pool=pool)
    _err(summary.line())
    raise typer.Exit(_exit_code(summary, fail_on))


Output = Annotated[str, typer.Option("--output", "-o", help="File (.jsonl .csv .xlsx .parquet); "
                                                            "- for JSON Lines on stdout.",
                                     show_default=False)]


@app.command(epilog="Example: extractor extract report.txt -o facts.csv   |   "
                    "extractor extract corpora/ -o - | jq .value")
def extract(
    paths: Paths,
    output: Output,
    jobs: Jobs = None,
    engine: Engine = "local",
    scheduler: Scheduler = None,
    report_year: ReportYear = None,
    no_bom: NoBom = False,
    timeout_per_doc: Timeout = 120.0,
    strict: Strict = False,
    exclude: Exclude = None,
    verbose: Verbose = False,
    no_progress: NoProgress = False,
) -> None:
    """The facts table (one row per figure or date) of the reports, in one file."""
    _one_table("facts", paths, output, jobs=jobs, engine=engine, scheduler=scheduler,
               report_year=report_year, no_bom=no_bom, timeout_per_doc=timeout_per_doc,
               strict=strict, verbose=verbose, no_progress=no_progress, exclude=exclude)


@app.command(epilog="Example: extractor check corpora/ -o findings.xlsx --fail-on error")
def check(
    paths: Paths,
    output: Output,
    fail_on: FailOn = None,
    jobs: Jobs = None,
    engine: Engine = "local",
    scheduler: Scheduler = None,
    report_year: ReportYear = None,
    no_bom: NoBom = False,
    timeout_per_doc: Timeout = 120.0,
    strict: Strict = False,
    exclude: Exclude = None,
    verbose: Verbose = False,
    no_progress: NoProgress = False,
) -> None:
    """The anomalies table (findings of the consistency checks) of the reports, in one file."""
    _one_table("anomalies", paths, output, jobs=jobs, engine=engine, scheduler=scheduler,
               report_year=report_year, no_bom=no_bom, timeout_per_doc=timeout_per_doc,
               strict=strict, verbose=verbose, no_progress=no_progress, exclude=exclude,
               fail_on=fail_on)


# -- show -----------------------------------------------------------------------------------------
KIND_STYLE = {"money": "bold green", "percent": "bold magenta", "count": "bold cyan",
              "quantity": "bold blue", "date": "yellow", "duration": "bright_yellow"}
SEVERITY_STYLE = {"error": "underline red", "warning": "underline dark_orange",
                  "info": "underline"}


@app.command(epilog="Example: extractor show report.txt --color | less -R")
def show(
    file: Annotated[Path, typer.Argument(help="One report file.", show_default=False)],
    report_year: ReportYear = None,
    color: Annotated[Optional[bool], typer.Option(
        "--color/--no-color", help="Force colours on or off (default: on a terminal).")] = None,
) -> None:
    """The report in the terminal: facts coloured by kind, findings underlined, then listed."""
    from rich.console import Console
    from rich.text import Text

    from .pipeline import analyse

    reading = _need("extractor.reading", "reading files")
    _quiet_libraries()
    if not file.exists():
        raise _fail(f"{file}: no such file; check the path")
    _preflight_rules()
    try:
        doc = reading.read(file, source=str(file))
    except ExtractorError as exc:
        raise _fail(f"{file}: cannot read: {exc.reason}", EXIT_UNREADABLE) from exc
    try:
        res = analyse(doc, report_year=report_year)
    except RuleFileError as exc:
        raise _fail(f"rule file error: {exc}") from exc
    except ExtractorError as exc:
        raise _fail(f"{file}: cannot analyse: {exc.reason}", EXIT_UNREADABLE) from exc
    console = Console(force_terminal=color, no_color=(color is False), highlight=False,
                      soft_wrap=True)
    text = Text(doc.text)
    for f in res.facts:
        text.stylize(KIND_STYLE.get(f.kind, "bold"), f.start, f.end)
    for a in res.anomalies:
        text.stylize(SEVERITY_STYLE.get(a.severity, "underline"), a.start, a.end)
    legend = Text("  ".join(f"{k}" for k in KIND_STYLE))
    for i, k in enumerate(KIND_STYLE):
        start = sum(len(x) + 2 for x in list(KIND_STYLE)[:i])
        legend.stylize(KIND_STYLE[k], start, start + len(k))
    console.print(Text(f"{doc.source}  ({len(res.facts)} facts, {len(res.anomalies)} findings)",
                       style="bold"))
    console.print(legend)
    console.print(text)
    if res.anomalies:
        console.print(Text("\nfindings", style="bold"))
        for a in res.anomalies:
            line = Text()
            line.append(f"{a.severity:<8}", style=SEVERITY_STYLE.get(a.severity, ""))
            line.append(f" {a.code}  「{doc.text[a.start:a.end]}」 {a.message}")
            console.print(line)


# -- explain / eval / stats / rules / report: wiring of other parts of the project ------------------
@app.command(epilog='Example: extractor explain "全年实现营业收入1200万元，同比增长7.5%"')
def explain(
    text: Annotated[str, typer.Argument(help="A sentence (or a few).", show_default=False)],
    report_year: ReportYear = None,
) -> None:
    """Which rules fired on the text and why (for rule authors)."""
    mod = _need("extractor.facts.explain", "explain")
    try:
        out = mod.explain(text, report_year)
    except RuleFileError as exc:
        raise _fail(f"rule file error: {exc}") from exc
    print(out if isinstance(out, str) else getattr(out, "to_text", lambda: str(out))())


@app.command(name="eval", epilog="Example: extractor eval corpora/gold --json eval.json")
def eval_(
    gold: Annotated[Path, typer.Argument(help="The gold annotations (file or folder).",
                                         show_default=False)],
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures "
                                                                    "as JSON.")] = None,
    show: Annotated[int, typer.Option("--show", min=0, help="How many misses and false "
                                                            "positives to list.")] = 20,
    jionlp: Annotated[bool, typer.Option("--jionlp", help="Also run the JioNLP money cases.")
                      ] = False,
) -> None:
    """Precision and recall of the extractor against hand-annotated gold facts."""
    mod = _need("extractor.evaluation", "evaluation")
    if not gold.exists():
        raise _fail(f"{gold}: no such file or folder; check the path")
    try:
        code = mod.eval_command(gold, json_out=json_out, show=show, jionlp=jionlp)
    except RuleFileError as exc:
        raise _fail(f"rule file error: {exc}") from exc
    except (ValueError, KeyError, OSError) as exc:
        raise _fail(f"{gold}: not a gold annotation file or folder ({exc})") from exc
    raise typer.Exit(code or EXIT_OK)


@app.command(epilog="Example: extractor stats corpora/   |   extractor stats results/facts.parquet")
def stats(
    paths: Paths,
    jobs: Jobs = None,
    report_year: ReportYear = None,
    timeout_per_doc: Timeout = 120.0,
    exclude: Exclude = None,
    verbose: Verbose = False,
    no_progress: NoProgress = False,
) -> None:
    """Corpus statistics of the figures (Benford, last digits, round numbers …).

    Give report files/folders, or a facts table written earlier (.csv .jsonl .parquet .xlsx).
    """
    from .batch import RunOptions
    from .batch.exports import SUFFIX_FORMAT, read_frame
    from .table import facts_frame

    mod = _need("extractor.checks.stats", "corpus statistics")
    tables = [p for p in paths if p.suffix.lower() in SUFFIX_FORMAT and p.is_file()]
    code = EXIT_OK
    if tables and len(tables) == len(paths):
        import pandas as pd

        frames = []
        for p in tables:
            try:
                frames.append(read_frame(p, "facts"))
            except (KeyError, ValueError, OSError) as exc:
                raise _fail(f"{p}: not a facts table written by extractor ({exc})") from exc
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    else:
        holder = {}

        def export(store):
            holder["df"] = facts_frame(store.table("facts").to_pylist())
            return []

        opts = RunOptions(paths=[str(p) for p in paths], jobs=jobs, report_year=report_year,
                          timeout=timeout_per_doc or None, command="stats",
                          exclude=exclude or ())
        summary = _batch(opts, verbose=verbose, no_progress=no_progress, export=export)
        _err(summary.line())
        df = holder["df"]
        code = _exit_code(summary, None)
    result = mod.corpus_stats(df)
    print(mod.format_stats(result))
    raise typer.Exit(code)


@rules_app.command("validate", epilog="Example: extractor rules validate")
def rules_validate() -> None:
    """Load every rule file and check its schema, references and regexes (exit 2 on an error)."""
    mod = _need("extractor.facts.ruleset", "rule validation")
    try:
        problems = mod.validate_rules()
    except RuleFileError as exc:
        raise _fail(f"rule file error: {exc}") from exc
    if problems:
        for p in problems if isinstance(problems, (list, tuple)) else [problems]:
            _err(f"rule file error: {p}")
        raise typer.Exit(EXIT_USAGE)
    print("rules: ok")


@rules_app.command("test", epilog="Example: extractor rules test")
def rules_test() -> None:
    """Run every example and counter-example in the rule files (exit 1 when one fails)."""
    mod = _need("extractor.facts.ruleset", "rule tests")
    try:
        result = mod.test_rules()
    except RuleFileError as exc:
        raise _fail(f"rule file error: {exc}") from exc
    print(result.to_text())
    raise typer.Exit(EXIT_FINDINGS if result.failed or result.xpassed else EXIT_OK)


@app.command(epilog="Example: extractor report corpora/ -o review/report.html")
def report(
    paths: Paths,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")
                      ] = Path("report.html"),
    report_year: ReportYear = None,
) -> None:
    """The self-contained HTML review report (facts highlighted, findings explained)."""
    mod = _need("extractor.report", "the review report")
    for p in paths:
        if not p.exists():
            raise _fail(f"{p}: no such file or folder; check the path")
    _quiet_libraries()
    _preflight_rules()
    try:
        items = mod.collect([str(p) for p in paths], report_year=report_year)
        written = mod.write_report(items, output, report_year=report_year)
    except RuleFileError as exc:
        raise _fail(f"rule file error: {exc}") from exc
    ok = failed = 0
    for item in items:
        row = item.document
        if row.get("status") == "ok":
            ok += 1
        else:
            failed += 1
            _err(f"{row.get('source')}: {row.get('status')}: {row.get('error')}")
    _err(f"wrote {written}")
    _err(f"{ok} ok, {failed} failed")
    raise typer.Exit(EXIT_UNREADABLE if failed else EXIT_OK)


def main() -> None:  # pragma: no cover - console script and python -m
    app()


def _exit_now(code) -> None:
    """End the process with ``code`` as the interpreter would, less its teardown (the command
    line only: a program that calls ``app`` gets its ``SystemExit``).

    Once the command is done, the interpreter's teardown frees every object and module one by
    one: 0.2 CPU s after a ``--jobs 1`` run (its dictionaries and rules), and the run's caller
    waits for it. Its parts with an effect outside the process happen here in the same order:
    threads that are not daemons are waited for, the atexit handlers run (multiprocessing's
    end its children and remove their folder, logging's flush), stdout and stderr are flushed;
    then ``os._exit``. Every file of ours is closed by then (the stores and exports close them
    in ``finally`` blocks). A code that is not a number (``sys.exit("message")``), or a flush
    that fails (a reader of stdout gone), takes the interpreter's own way out, which reports it
    as usual."""
    import atexit
    import threading

    if code is None:
        code = 0
    if not isinstance(code, int):
        raise SystemExit(code)
    # threading's own exit: its atexit handlers first (concurrent.futures tells the workers of
    # executors left open to stop; joined without that, they wait for work forever), then the
    # threads that are not daemons are joined
    threading._shutdown()
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:   # noqa: BLE001 - the interpreter's exit reports it (and sets 120)
        raise SystemExit(code) from None
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
