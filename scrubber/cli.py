"""The command-line tool: a thin adapter over :func:`scrubber.scrub`."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scrubber.config import Config, ConfigError, split_names
from scrubber.config_file import load_config
from scrubber.io.atomic import same_file, write_atomic
from scrubber.io.errors import InputError
from scrubber.terminal import visible
from scrubber.version import __version__

if TYPE_CHECKING:
    from scrubber.reference.drugs import DrugEntry, DrugTable
    from scrubber.result import ScrubResult

# The commands import what they use when they run (pandas and pandera take most of a second
# to load), so --help, --version and a usage error answer at once.

ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="TOML config (default: ./scrubber.toml, else \\[tool.scrubber] in "
                     "./pyproject.toml).")]
PayerOpt = Annotated[str | None, typer.Option(help="Payer profile from the config's "
                                                   "\\[payers] table.")]
SettingOpt = Annotated[str | None, typer.Option(help="facility (hospital outpatient) or "
                                                     "professional (office).")]
HcpcsOpt = Annotated[Path | None, typer.Option(help="CMS quarterly HCPCS file (CSV or "
                                                    "workbook): code validity, and drug "
                                                    "billing units from its long "
                                                    "descriptions.")]
AspOpt = Annotated[Path | None, typer.Option(help="CMS quarterly ASP pricing file (CSV or "
                                                  "workbook): drug billing units from its "
                                                  "HCPCS Code Dosage column.")]
MueOpt = Annotated[Path | None, typer.Option(help="CMS MUE file (CSV or workbook) to check "
                                                  "units against.")]
NcciOpt = Annotated[list[Path] | None, typer.Option(help="CMS NCCI PTP edit file (CSV, text "
                                                         "or workbook); repeat it for each "
                                                         "file of the quarter's table.")]

SelectOpt = Annotated[list[str] | None, typer.Option(help="Only these rules (names or IDs, "
                                                        "comma-separated).")]
IgnoreOpt = Annotated[list[str] | None, typer.Option(help="Skip these rules.")]
SheetOpt = Annotated[str | None, typer.Option(help="Sheet with the charge lines (found "
                                                   "automatically otherwise).")]
JobsOpt = Annotated[int | None, typer.Option(min=1, show_default=False,
                                             help="Worker processes for many files "
                                                  "\\[default: one per core].")]
NoMarkOpt = Annotated[bool, typer.Option("--no-mark", help="Do not write marked copies.")]
ExitZeroOpt = Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when there are "
                                           "error findings (input errors still exit 2).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Nothing on stderr but errors "
                                        "(no progress, no 'wrote' lines, no notes).")]
MaxUnpackedOpt = Annotated[float | None, typer.Option(
    "--max-unpacked-mb", min=1, show_default=False,
    help="Largest workbook read, unpacked, in MiB (a CSV file's size; a sheet's grid may "
         "hold MiB / 32 cells) [default: 1024, or max_unpacked_mb in the config].")]
BaselineOpt = Annotated[Path | None, typer.Option(help="An earlier JSON report: its findings "
                                                       "are reported as waived where they "
                                                       "recur.")]

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Catch billing errors in infusion and injection charge spreadsheets.")


def _error_line(message: str) -> None:
    """One unwrapped line on stderr, so scripts and log scrapers read it whole: a file name's
    newline or escape sequence is shown escaped (scrubber.terminal), never obeyed."""
    sys.stderr.write(f"error: {visible(message)}\n")


def _fail(message: str) -> typer.Exit:
    _error_line(message)
    return typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"infusion-scrubber {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version,
                                                is_eager=True, help="Show the version.")]
          = False) -> None:
    """Catch billing errors in infusion and injection charge spreadsheets."""


@app.command()
def scrub(
    files: Annotated[list[str], typer.Argument(help="Workbooks (.xlsx, .xlsm), CSV files or "
                                                    "folders of them.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output on stdout: text, json "
                                                            "or csv.")] = "text",
    report: Annotated[Path | None, typer.Option(help="Also write the report here; the "
                                                        "suffix chooses the format: .json, "
                                                        ".csv, .txt or .xlsx.")] = None,
    out: Annotated[str | None, typer.Option(help="Marked copy path, or a folder for the "
                                                    "marked copies.")] = None,
    no_mark: NoMarkOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    sheet: SheetOpt = None,
    jobs: JobsOpt = None,
    config_path: ConfigOpt = None,
    payer: PayerOpt = None,
    setting: SettingOpt = None,
    mue: MueOpt = None,
    hcpcs: HcpcsOpt = None,
    asp: AspOpt = None,
    ncci: NcciOpt = None,
    exit_zero: ExitZeroOpt = False,
    quiet: QuietOpt = False,
    baseline: BaselineOpt = None,
    max_unpacked_mb: MaxUnpackedOpt = None,
) -> None:
    """Scrub charge exports, write marked copies and report the findings."""
    from scrubber import parallel
    from scrubber.io.workbook import prefetch, while_waiting

    if jobs == 1 or len(files) == 1:
        prefetch(files[0])  # its sheets are parsed on a thread while the engine is imported
    parallel.enable()  # a large file's rules use both cores (Linux; not in batch workers)
    from scrubber.batch import BatchOptions, expand, scrub_many
    from scrubber.engine import warm_up
    from scrubber.prepared import prepare
    from scrubber.render import fit_width, render
    from scrubber.render.progress import RunProgress

    if fmt not in ("text", "json", "csv"):
        raise _fail(f"unknown --format '{fmt}'; use text, json or csv")
    report_fmt = _report_format(report)
    config = _config(config_path, payer, setting, mue, hcpcs, baseline, asp, ncci,
                     max_unpacked_mb).with_rules(split_names(select), split_names(ignore))
    try:
        prepared = prepare(config)  # rules and reference tables, once for every file
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    while_waiting(lambda: warm_up(prepared))  # while the first workbook's sheets are parsed
    paths = expand(files)
    if not paths:
        raise _fail("no .xlsx, .xlsm, .xls, .ods or .csv files found in " + ", ".join(files))
    if out and len(paths) > 1 and Path(out).suffix.lower() in (".xlsx", ".xlsm"):
        raise _fail("--out names one file but there are several inputs; give a folder")
    if report is not None and any(same_file(report, path) for path in paths):
        raise _fail(f"--report {report} is one of the inputs; give the report another name")
    from scrubber.mark.xlsx import marked_path

    if report is not None and not no_mark and any(
            same_file(report, marked_path(path, out)) for path in paths):
        raise _fail(f"--report {report} is where a marked copy goes; give the report another "
                    f"name")
    options = BatchOptions(prepared, sheet, not no_mark, out, quiet=quiet)
    with RunProgress(len(paths), quiet=quiet) as progress:
        result = scrub_many(paths, options, jobs or _cores(), done=progress.done,
                            phase=progress.phase)
    for error in result.input_errors:
        _error_line(str(error))
    report_failed = report is not None and not _write_report(report, report_fmt, result)
    sys.stdout.write(render(result, fmt, width=fit_width(sys.stdout)))
    code = 2 if report_failed else result.exit_code
    raise typer.Exit(0 if exit_zero and code == 1 else code)


def _report_format(report: Path | None) -> str | None:
    """The report's format by its suffix, checked before anything is scrubbed or written."""
    from scrubber.render import report_format

    if report is None:
        return None
    try:
        return report_format(report)
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _write_report(report: Path, fmt: str, result: ScrubResult) -> bool:
    """Write the report file (a text report as wide as COLUMNS, else 100); False, with the
    reason on stderr, when it cannot be written."""
    from scrubber.render import fit_width, render_report

    try:
        write_atomic(report, render_report(result, fmt, width=fit_width(None)),
                     like=[f.path for f in result.files])
    except OSError as exc:
        _error_line(f"{report}: the report could not be written ({exc.strerror or exc})")
        return False
    return True


@app.command()
def batch(
    inputs: Annotated[list[str], typer.Argument(help="Workbooks (.xlsx, .xlsm), CSV files, "
                                                     "folders of them (searched recursively) "
                                                     "or glob patterns ('exports/*/*.xlsx').")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the marked copies and "
                                                    "reports (mirroring the input folders), "
                                                    "summary.json and summary.xlsx.")],
    no_mark: NoMarkOpt = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    sheet: SheetOpt = None,
    jobs: JobsOpt = None,
    config_path: ConfigOpt = None,
    payer: PayerOpt = None,
    setting: SettingOpt = None,
    mue: MueOpt = None,
    hcpcs: HcpcsOpt = None,
    asp: AspOpt = None,
    ncci: NcciOpt = None,
    exit_zero: ExitZeroOpt = False,
    quiet: QuietOpt = False,
    baseline: BaselineOpt = None,
    max_unpacked_mb: MaxUnpackedOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Scrub every file again, even those "
                                                        "unchanged since the last run into "
                                                        "--out.")] = False,
    scheduler: Annotated[str | None, typer.Option(help="Run on a Dask cluster: its scheduler's "
                                                       "address (tcp://HOST:8786); needs the "
                                                       "\\[dask] extra.")] = None,
    dask_local: Annotated[int | None, typer.Option("--dask-local", min=1,
                                                   help="Run on a local Dask cluster of N "
                                                        "workers; needs the \\[dask] extra.")]
    = None,
) -> None:
    """Scrub many exports into one folder, in parallel, with a summary (summary.json and
    summary.xlsx); files unchanged since the last run there are skipped."""
    if scheduler and dask_local:
        raise _fail("give --scheduler or --dask-local, not both")
    if (scheduler or dask_local) and importlib.util.find_spec("distributed") is None:
        flag = "--scheduler" if scheduler else "--dask-local"
        raise _fail(f"{flag} needs Dask, an optional extra: "
                    f"pip install 'infusion-scrubber[dask]'")
    if out.exists() and not out.is_dir():
        raise _fail(f"--out {out} is a file; give a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(f"--out {out} cannot be made ({exc.strerror or type(exc).__name__}); "
                    f"give another folder") from None
    from scrubber.batchrun.backends import PRELOAD, BackendError, cores
    from scrubber.batchrun.pool import warm

    if not (scheduler or dask_local):
        warm(PRELOAD)  # the workers' imports overlap the run's preparing
    from scrubber.batchrun.progress import BatchProgress
    from scrubber.batchrun.run import plan, run_batch
    from scrubber.batchrun.work import WorkOptions
    from scrubber.prepared import prepare

    config = _config(config_path, payer, setting, mue, hcpcs, baseline, asp, ncci,
                     max_unpacked_mb).with_rules(split_names(select), split_names(ignore))
    try:
        prepared = prepare(config)  # rules and reference tables, once for every worker
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    planned, files = plan(inputs, out, mark=not no_mark)
    if not files:
        reasons = [f"{entry.path}: {entry.reason}" for entry in planned if entry.reason]
        for reason in reasons[:-1]:
            _error_line(reason)
        raise _fail(reasons[-1] if reasons else "no .xlsx, .xlsm, .xls, .ods or .csv files "
                                                 "found in " + ", ".join(inputs))
    with BatchProgress(len(planned), quiet=quiet) as progress:
        try:
            run = run_batch(inputs, out, WorkOptions(prepared, sheet, not no_mark),
                            jobs=jobs or cores(), force=force, scheduler=scheduler,
                            dask_local=dask_local, heard=progress.heard, planned=planned)
        except BackendError as exc:
            raise _fail(str(exc)) from None
    for outcome in run.outcomes:
        if outcome.reason:
            _error_line(f"{outcome.path}: {outcome.reason}")
        elif outcome.failed_rules:
            _error_line(f"{outcome.path}: the {', '.join(outcome.failed_rules)} check could "
                        f"not run on it (see its report)")
    for why in run.unwritten.values():
        _error_line(why)
    written = [str(p) for p in (run.json_path, run.xlsx_path) if p not in run.unwritten]
    sys.stdout.write(_batch_lines(run.summary, written))
    code = run.exit_code
    raise typer.Exit(0 if exit_zero and code == 1 else code)


def _batch_lines(summary: dict, written: list[str]) -> str:
    totals, skipped = summary["totals"], summary["run"]["skipped"]
    again = (f"{skipped:,} unchanged since the last run into this folder, skipped (their "
             f"results are that run's; --force redoes them)\n" if skipped else "")
    return (f"{totals['files']:,} files: {totals['ok']:,} ok, {totals['failed']:,} failed\n"
            f"{again}{totals['rows']:,} lines, {totals['errors']:,} errors, "
            f"{totals['warnings']:,} warnings\n"
            + (f"summary: {' and '.join(written)}\n" if written else ""))


def _cores() -> int:
    from scrubber.batchrun.backends import cores

    return cores()


@app.command("suggest")
def suggest_codes(
    file: Annotated[str, typer.Argument(help="An administration log or a charge export "
                                             "(.xlsx, .xlsm, .csv).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    sheet: Annotated[str | None, typer.Option(help="Sheet to read (found automatically "
                                                      "otherwise).")] = None,
    config_path: ConfigOpt = None,
    payer: PayerOpt = None,
    setting: SettingOpt = None,
    diff: Annotated[bool, typer.Option("--diff", help="Only the encounters whose bill "
                                                      "differs from the documentation or that "
                                                      "cannot be coded; exit 1 if any.")] = False,
) -> None:
    """Print the administration lines (date, code, units, modifiers, reason) the
    documentation supports, encounter by encounter; on a charge export, beside what was
    billed. Exit status: 0, or with --diff 1 when an encounter differs or cannot be coded;
    2 a usage or input error."""
    from scrubber.io.workbook import prefetch

    prefetch(file)  # its sheets are parsed on a thread while the engine is imported
    from scrubber.render import fit_width
    from scrubber.render.suggestions import suggestions_json, suggestions_text
    from scrubber.suggest import suggest

    if fmt not in ("text", "json"):
        raise _fail(f"unknown --format '{fmt}'; use text or json")
    config = _config(config_path, payer, setting, None, None)
    try:
        result = suggest(file, config, sheet=sheet)
    except InputError as exc:
        raise _fail(str(exc)) from None
    if diff and not result.billed:
        raise _fail(f"{file}: --diff compares billed administration codes with the "
                    f"documentation, and this sheet bills none (an administration log?)")
    if fmt == "json":
        sys.stdout.write(suggestions_json(result, diff))
    else:
        sys.stdout.write(suggestions_text(result, diff, fit_width(sys.stdout)))
    if diff and any(e.differs for e in result.encounters):
        raise typer.Exit(1)


@app.command("drug")
def show_drug(
    words: Annotated[list[str], typer.Argument(
        metavar="NAME", help="HCPCS code, generic or brand name (several words may be "
                             "quoted or not: zoledronic acid).")],
    hcpcs: HcpcsOpt = None,
    asp: AspOpt = None,
) -> None:
    """Show a drug's entries in the HCPCS drug table: code, billing unit, kind, brands,
    biosimilars (with --hcpcs or --asp, units as that quarterly CMS file gives them)."""
    from scrubber.reference.drugs import drug_candidates

    name = " ".join(words)
    table = _drug_table(hcpcs, asp)
    found = drug_candidates(name, table)
    if not found:
        raise _fail(f"no drug '{name.strip()[:40]}' in the HCPCS drug table; try the generic "
                    f"name or the code")
    replaced = table.replaced_by.get(name.strip().upper())
    if replaced:
        sys.stdout.write(f"{name.strip().upper()} is deleted; replaced by {replaced}\n")
    for entry in found:
        sys.stdout.write(_drug_line(entry) + "\n")


def _drug_line(entry: DrugEntry) -> str:
    """One drug table entry as ``scrubber drug`` prints it."""
    also = f"; also {', '.join(entry.synonyms)}" if entry.synonyms else ""
    replaces = f"; replaces {', '.join(entry.replaces)}" if entry.replaces else ""
    similar = f"; biosimilar of {entry.biosimilar_of}" if entry.biosimilar_of else ""
    source = f" (unit from the {entry.unit_source})" if entry.unit_source != "table" else ""
    return (f"{entry.code}  {entry.name}: {entry.unit_text} per unit{source}, {entry.kind}"
            f"{' (hormonal)' if entry.hormonal else ''}"
            f"{', single-dose (JW/JZ)' if entry.single_dose else ''}"
            f"{similar}{replaces}{also}")


@app.command("units")
def drug_units(
    code: Annotated[str, typer.Argument(help="HCPCS drug code (J1745) or drug name; quote a "
                                             "name of several words: \"zoledronic acid\".")],
    dose: Annotated[list[str], typer.Argument(help="Dose given, e.g. 400 mg.")],
    hcpcs: HcpcsOpt = None,
    asp: AspOpt = None,
) -> None:
    """Billing units for a dose: dose / the descriptor's unit, rounded up."""
    from scrubber.reference.units import units_for

    words = [code, *dose]  # a name's words typed unquoted run up to the dose's number
    split = next((i for i, w in enumerate(words) if i and (w[:1].isdigit() or
                  w[:1] == "." and w[1:2].isdigit())), len(words))
    if split == len(words) or re.fullmatch(r"[A-Za-z]\d{4}", code.strip()):
        split = 1  # a code, or no number at all: the dose's own message says what is wrong
    table = _drug_table(hcpcs, asp)
    try:
        entry, amount, unit, units = units_for(" ".join(words[:split]),
                                               " ".join(words[split:]), table=table)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    sys.stdout.write(f"{units}\n")
    sys.stderr.write(f"{entry.code} {entry.name}: {amount:g} {unit} / "
                     f"{entry.unit_text} = {units} unit(s)\n")


def _drug_table(hcpcs: Path | None, asp: Path | None) -> DrugTable:
    """The shipped drug table, with the units of the user's HCPCS and ASP files."""
    from scrubber.reference.tables import drug_units_table

    try:
        return drug_units_table(hcpcs=str(hcpcs) if hcpcs else None,
                                asp=str(asp) if asp else None)
    except ConfigError as exc:
        raise _fail(str(exc)) from None


@app.command("rules")
def list_rules() -> None:
    """List every rule: ID, name, default severity and summary."""
    from scrubber.rule_pages import index

    sys.stdout.write(index())


@app.command("rule")
def show_rule(name: Annotated[str, typer.Argument(help="Rule name or ID.")]) -> None:
    """Explain one rule, with a failing and a passing example."""
    from scrubber.rule_pages import page

    text = page(name)
    if text is None:
        from scrubber.rules import lookup  # its message lists the rules there are

        try:
            lookup(name)
        except ConfigError as exc:
            raise _fail(str(exc)) from None
    sys.stdout.write(text)


def _config(path: Path | None, payer: str | None, setting: str | None,
            mue: Path | None, hcpcs: Path | None, baseline: Path | None = None,
            asp: Path | None = None, ncci: list[Path] | None = None,
            max_unpacked_mb: float | None = None) -> Config:
    """The config file (found or given), its payer profile, then the command line."""
    overrides = {"setting": setting, "max_unpacked_mb": max_unpacked_mb,
                 "mue": str(mue) if mue else None,
                 "hcpcs": str(hcpcs) if hcpcs else None, "asp": str(asp) if asp else None,
                 "ncci": tuple(str(p) for p in ncci) if ncci else None,
                 "baseline": str(baseline) if baseline else None}
    try:
        config = load_config(path, payer=payer, overrides=overrides)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    return config


# --- scrubber addin: delivery of the Excel add-in (needs the [excel] extra) -------------------

addin_app = typer.Typer(no_args_is_help=True, help="The Excel add-in: files for xlwings Lite, "
                                                   "the classic .xlam and its install.")
app.add_typer(addin_app, name="addin")

InterpreterOpt = Annotated[str | None, typer.Option(help="Python the classic add-in runs "
                                                         "(default: the one running this).")]
PythonpathOpt = Annotated[str, typer.Option(help="Extra folders for the add-in's PYTHONPATH "
                                                 "(default: none; the package is installed).")]


def _need_excel_extra() -> None:
    """The add-in is an optional extra: say how to get it instead of a traceback."""
    if importlib.util.find_spec("xlwings") is None:
        raise _fail("install the Excel extra: pip install 'infusion-scrubber[excel]'")


def _warn_if_interpreter_missing(interpreter: str | None) -> None:
    """``--interpreter`` is written as given (the add-in may be built for another machine);
    one line on stderr when it does not exist on this one."""
    from addin.delivery.xlam import interpreter_found

    if interpreter and not interpreter_found(interpreter):
        sys.stderr.write(f"warning: interpreter {interpreter} does not exist on this machine; "
                         f"written to the add-in anyway (it must exist where Excel runs the "
                         f"add-in)\n")


@addin_app.command("lite")
def addin_lite(
    outdir: Annotated[Path, typer.Argument(help="Folder for main.py, requirements.txt and "
                                                "INSTRUCTIONS.md (and the wheel).")],
    wheel_url: Annotated[str | None, typer.Option(help="HTTPS URL of the hosted "
                         "infusion-scrubber wheel, ending with its file name "
                         "(infusion_scrubber-VERSION-py3-none-any.whl); without it the wheel "
                         "is built into OUTDIR for you to host.")] = None,
) -> None:
    """Write main.py, requirements.txt and step-by-step INSTRUCTIONS.md for xlwings Lite."""
    _need_excel_extra()
    from addin.delivery import DeliveryError
    from addin.delivery.lite import write_lite

    try:
        files = write_lite(outdir, wheel_url)
    except DeliveryError as exc:
        raise _fail(str(exc)) from None
    for path in (files.main, files.requirements, files.instructions, files.wheel):
        if path is not None:
            sys.stdout.write(f"wrote {path}\n")
    sys.stdout.write(f"next: follow {files.instructions}\n")


@addin_app.command("build")
def addin_build(
    outdir: Annotated[Path, typer.Argument(help="Folder for infusion_scrubber_excel.xlam.")],
    interpreter: InterpreterOpt = None,
    pythonpath: PythonpathOpt = "",
) -> None:
    """Build the classic add-in (.xlam): an Infusion tab whose Scrub button scrubs a sheet."""
    _need_excel_extra()
    from addin.delivery import DeliveryError
    from addin.delivery.xlam import XLAM_NAME, AddinConfig, build_xlam

    try:
        path = build_xlam(outdir / XLAM_NAME, AddinConfig(interpreter or sys.executable,
                                                           pythonpath))
    except DeliveryError as exc:
        raise _fail(str(exc)) from None
    sys.stdout.write(f"wrote {path}\n")
    _warn_if_interpreter_missing(interpreter)


@addin_app.command("install")
def addin_install(
    target_dir: Annotated[Path | None, typer.Option("--dir", help="Install here instead of "
                          "Excel's startup folder (XLSTART).")] = None,
    file: Annotated[Path | None, typer.Option(help="An .xlam built earlier (default: build "
                                                     "one now).")] = None,
    interpreter: InterpreterOpt = None,
    pythonpath: PythonpathOpt = "",
) -> None:
    """Put the classic add-in where Excel opens it at every start (XLSTART), configured."""
    _need_excel_extra()
    from addin.delivery import DeliveryError
    from addin.delivery.install import install_xlam, next_steps, startup_dir
    from addin.delivery.xlam import XLAM_NAME, AddinConfig

    try:
        target = target_dir or startup_dir()
        if target is None:
            raise _fail(f"Excel add-ins install on Windows or macOS; on {sys.platform} give "
                        f"--dir to say where {XLAM_NAME} goes")
        path = install_xlam(target, AddinConfig(interpreter or sys.executable, pythonpath),
                            file)
    except DeliveryError as exc:
        raise _fail(str(exc)) from None
    sys.stdout.write("".join(f"{line}\n" for line in next_steps(path)))
    _warn_if_interpreter_missing(interpreter)


def main() -> None:
    """Console-script entry point.

    When the command is done, the process ends without tearing the interpreter down: after a
    large file that teardown (freeing every module's and cache's objects one by one) took
    0.3-0.9 s of a run that had nothing left to do. Output is flushed and exit handlers run
    first (temporary files and folders are removed there), as mypy's command line does.
    """
    _on_sigterm_exit()
    try:
        app()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):  # SystemExit("message"): print it, exit 1, as Python does
        sys.stderr.write(code + "\n")
        code = 1
    _hard_exit(code if isinstance(code, int) else 0 if code is None else 1)


def _on_sigterm_exit() -> None:
    """SIGTERM ends the command as Ctrl-C does, through its ``finally`` blocks, so no
    temporary copy full of patient data is left behind; a forked copy of this process
    (scrubber.parallel) just ends, leaving the files to the process that made them."""
    import signal

    main_pid = os.getpid()

    def terminated(signum: int, frame: object) -> None:
        if os.getpid() != main_pid:
            os._exit(128 + signum)
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError, OSError):  # not the main thread: leave it as it is
        signal.signal(signal.SIGTERM, terminated)


def _hard_exit(code: int) -> None:
    import atexit

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head) or stream: nothing to keep
            pass
    atexit._run_exitfuncs()  # noqa: SLF001 - what interpreter shutdown would run
    os._exit(code)
