"""xlwings Lite: ``main.py``, ``requirements.txt`` and ``INSTRUCTIONS.md``, and the wheel.

Lite runs Python in the browser (Pyodide): the user pastes ``main.py`` into the editor's
main.py tab and ``requirements.txt`` into its requirements.txt tab, and Lite installs what the
latter lists: pure-Python wheels from PyPI, compiled packages from Pyodide's own builds, or a
wheel from a URL. infusion-scrubber is not on PyPI, so its wheel is hosted somewhere the
browser may fetch it from (HTTPS, with CORS) and its URL goes into requirements.txt.

``main.py`` only re-exports the decorated cell functions of :mod:`addin.functions` and the
scripts of :mod:`addin.scripts`. Their names are read from those modules' source (the
functions decorated with ``xw.func`` and ``xw.script``), not typed here, so the file cannot
drift from the package; a test compares what xlwings registers from it with ``addin``.
"""

from __future__ import annotations

import ast
import base64
import csv
import hashlib
import importlib.metadata
import importlib.util
import io
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from packaging.requirements import Requirement
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from addin.delivery import DeliveryError, write_atomic
from scrubber import __version__

DIST_NAME = "infusion-scrubber"
#: infusion-scrubber's wheel is pure Python: the one tag Lite (Pyodide) installs it by.
PURE_TAG = "py3-none-any"
#: compiled packages whose version is Pyodide's to choose: not listed in requirements.txt.
PYODIDE_PROVIDED = frozenset({"pandas", "numpy"})
#: what Pyodide reports, for evaluating our dependencies' environment markers.
PYODIDE_MARKERS = {"sys_platform": "emscripten", "platform_system": "Emscripten"}
_ADDIN_DIR = Path(__file__).resolve().parent.parent
_DECORATORS = {"func": "addin.functions", "script": "addin.scripts"}


@dataclass(frozen=True)
class LiteExports:
    """What Lite registers: cell functions and scripts, each in its module's source order."""

    functions: tuple[str, ...]
    scripts: tuple[str, ...]


@dataclass(frozen=True)
class LiteFiles:
    """What :func:`write_lite` wrote."""

    main: Path
    requirements: Path
    instructions: Path
    wheel: Path | None


def lite_exports() -> LiteExports:
    """The functions of addin/functions.py decorated ``xw.func`` and of addin/scripts.py
    decorated ``xw.script`` (read from the source: on a machine without Excel the decorators
    leave no mark on the functions unless xlwings runs in server mode)."""
    return LiteExports(_decorated(_ADDIN_DIR / "functions.py", "func"),
                       _decorated(_ADDIN_DIR / "scripts.py", "script"))


def _decorated(path: Path, decorator: str) -> tuple[str, ...]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except OSError as exc:
        raise DeliveryError(f"cannot read {path}: {exc.strerror}") from None
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _is_xlwings(target, decorator) for target in node.decorator_list):
            names.append(node.name)
    if not names:
        raise DeliveryError(f"no function in {path} is decorated with xw.{decorator}")
    return tuple(names)


def _is_xlwings(node: ast.expr, decorator: str) -> bool:
    """``@xw.func``, ``@xw.func(...)``, ``@xlwings.script`` and the like."""
    if isinstance(node, ast.Call):
        node = node.func
    return (isinstance(node, ast.Attribute) and node.attr == decorator
            and isinstance(node.value, ast.Name) and node.value.id in ("xw", "xlwings"))


def main_py(exports: LiteExports) -> str:
    """Plain, readable Python: two imports and ``__all__``."""
    def block(module: str, names: tuple[str, ...]) -> str:
        return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")\n"

    names = exports.functions + exports.scripts
    return (
        '"""xlwings Lite: infusion-scrubber\'s cell functions and its Scrub, Clear marks and\n'
        "Suggest codes scripts.\n\n"
        "Paste this whole file into the main.py tab of the xlwings Lite editor. It only\n"
        "re-exports: the code is the infusion-scrubber package that requirements.txt installs.\n"
        f"Written by `scrubber addin lite` (infusion-scrubber {__version__}); write it again\n"
        'after an upgrade rather than editing it.\n"""\n\n'
        + block(_DECORATORS["func"], exports.functions)
        + block(_DECORATORS["script"], exports.scripts)
        + "\n__all__ = [\n" + "".join(f'    "{n}",\n' for n in names) + "]\n"
    )


# --- requirements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirements:
    """Our dependencies as Pyodide sees them, from pyproject.toml or the installed metadata."""

    from_pypi: tuple[Requirement, ...]   # pure Python: with pyproject's version floors
    provided: tuple[Requirement, ...]    # Pyodide's own builds: not listed, never pinned
    excluded: tuple[Requirement, ...]    # markers false on Pyodide
    xlwings: Requirement


def project_requirements() -> Requirements:
    """Sorted into what requirements.txt lists, what Pyodide provides and what it skips."""
    base, excel = _declared_requirements()
    from_pypi, provided, excluded = [], [], []
    for req in base:
        if req.marker is not None and not req.marker.evaluate(PYODIDE_MARKERS | {"extra": ""}):
            excluded.append(req)
        elif _canonical(req.name) in PYODIDE_PROVIDED:
            provided.append(req)
        else:
            from_pypi.append(req)
    xlwings = next((r for r in excel if _canonical(r.name) == "xlwings"), None)
    if xlwings is None:
        raise DeliveryError("infusion-scrubber's [excel] extra does not name xlwings")
    return Requirements(tuple(from_pypi), tuple(provided), tuple(excluded), xlwings)


def _declared_requirements() -> tuple[list[Requirement], list[Requirement]]:
    """(install requirements, the [excel] extra's), from the source tree when we run from one
    (its pyproject.toml is the truth; an editable install's metadata can be stale), else from
    the installed distribution's metadata."""
    root = source_tree()
    if root is not None:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        return ([Requirement(r) for r in project.get("dependencies", [])],
                [Requirement(r) for r in project.get("optional-dependencies", {}).get("excel", [])])
    dist = _installed_distribution() or importlib.metadata.distribution(DIST_NAME)
    base, excel = [], []
    for req in map(Requirement, dist.requires or []):
        if req.marker is None or "extra" not in str(req.marker):
            base.append(req)
        elif req.marker.evaluate(PYODIDE_MARKERS | {"extra": "excel"}):
            excel.append(req)
    return base, excel


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _bare(req: Requirement) -> str:
    """The requirement without its marker (true on Pyodide, or it would be excluded)."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def _capped_example(reqs: Requirements) -> str:
    """A requirements.txt line of ours with an upper bound added, for the instructions."""
    for req in reqs.from_pypi:
        floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
        if floors:
            return f"`{_bare(req)}` becomes `{_bare(req)},<{floors[0].major + 1}`"
    return "such as `,<2` after the floor"


def requirements_txt(reqs: Requirements, wheel_url: str | None, wheel_name: str) -> str:
    """requirements.txt for Lite's requirements.txt tab: every line a requirement, a URL or a
    comment."""
    if wheel_url:
        ours = f"# infusion-scrubber itself: its wheel (not on PyPI)\n{wheel_url}\n"
    else:
        ours = ("# infusion-scrubber itself is not on PyPI: add the HTTPS URL of its hosted "
                f"wheel\n# ({wheel_name}) on a line of its own here, see INSTRUCTIONS.md\n")
    lines = [
        f"# xlwings Lite requirements for infusion-scrubber {__version__}"
        " (written by `scrubber addin lite`)",
        ours.rstrip("\n"),
        "# xlwings: Lite brings its own; the add-in needs at least this version",
        _bare(reqs.xlwings),
        "# pure-Python dependencies: version floors as in pyproject.toml (not exact pins)",
        *(_bare(r) for r in reqs.from_pypi),
        "# provided by Pyodide, not listed here (infusion-scrubber needs "
        + ", ".join(_bare(r) for r in reqs.provided) + ")",
        "# not installed on Pyodide (not needed where no file is opened): "
        + ", ".join(r.name for r in reqs.excluded),
    ]
    return "\n".join(lines) + "\n"


def wheel_file_name() -> str:
    """The file name of this version's wheel: ``infusion_scrubber-<version>-py3-none-any.whl``."""
    return f"{DIST_NAME.replace('-', '_')}-{__version__}-{PURE_TAG}.whl"


def check_wheel_url(url: str) -> str:
    """Lite fetches from the browser: HTTPS only, and the URL's last path segment must be this
    version's wheel file name (the installer reads name, version and tags from it, as
    micropip does: the path's last segment, query and fragment aside)."""
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        raise DeliveryError(f"--wheel-url must be an https:// URL (Lite fetches it from the "
                            f"browser): {url}")
    segment = parsed.path.rsplit("/", 1)[-1]
    expected = wheel_file_name()
    try:
        name, version, _build, tags = parse_wheel_filename(segment)
    except (InvalidWheelFilename, InvalidVersion):
        valid = False
    else:
        valid = (canonicalize_name(name) == DIST_NAME and version == Version(__version__)
                 and Tag(*PURE_TAG.split("-")) in tags)
    if not valid:
        raise DeliveryError(f"--wheel-url must end with the wheel's file name {expected} (the "
                            f"version main.py and requirements.txt are written for), not "
                            f"{segment!r}")
    return url


# --- the wheel ------------------------------------------------------------------------------


def source_tree() -> Path | None:
    """The project folder when this code runs from a checkout (or an editable install)."""
    root = _ADDIN_DIR.parent
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        name = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["name"]
    except (KeyError, tomllib.TOMLDecodeError):
        return None
    return root if _canonical(name) == DIST_NAME else None


def _installed_distribution() -> importlib.metadata.Distribution | None:
    """The installed infusion-scrubber whose files include this very module (a regular,
    non-editable install from a wheel), if that is where we run from. A source tree's
    ``.egg-info`` lists its sources too, but has no WHEEL file: it is not an install."""
    here = Path(__file__).resolve()
    for dist in importlib.metadata.distributions(name=DIST_NAME):
        if dist.read_text("WHEEL") is None:
            continue
        for file in dist.files or ():
            if file.name == here.name and Path(str(dist.locate_file(file))).resolve() == here:
                return dist
    return None


def build_wheel(outdir: Path) -> Path:
    """infusion-scrubber's pure-Python wheel in ``outdir``.

    From the installed distribution when it is a regular install (repacked from its files:
    no network, no build tools), else built from the source tree with pip (offline when the
    installed setuptools can build wheels itself, else pip fetches the build backend).
    """
    dist = _installed_distribution()
    if dist is not None:
        return repack(dist, outdir)
    root = source_tree()
    if root is None:
        raise DeliveryError("cannot make infusion-scrubber's wheel here: it is neither installed "
                            "from a wheel nor run from its source; build it where the source "
                            "is and pass its hosted URL with --wheel-url")
    return pip_wheel(root, outdir)


def pip_wheel(root: Path, outdir: Path) -> Path:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"]
    if _setuptools_builds_wheels():
        command.append("--no-build-isolation")  # no network needed
    with tempfile.TemporaryDirectory() as temp:
        done = subprocess.run([*command, "-w", temp, str(root)], capture_output=True, text=True,
                              check=False)
        wheels = sorted(Path(temp).glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            last = (done.stderr.strip().splitlines() or ["no wheel written"])[-1]
            raise DeliveryError(f"building the wheel failed ({last}); build it with `python -m "
                                f"pip wheel --no-deps -w {outdir} {root}` and pass its hosted "
                                f"URL with --wheel-url")
        return write_atomic(outdir / wheels[0].name, wheels[0].read_bytes())


def _setuptools_builds_wheels() -> bool:
    """setuptools builds wheels on its own from 70.1; before that it needs ``wheel``."""
    try:
        version = Version(importlib.metadata.version("setuptools"))
    except importlib.metadata.PackageNotFoundError:
        return False
    return version >= Version("70.1") or importlib.util.find_spec("wheel") is not None


_NOT_REPACKED = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "RECORD.jws",
                 "RECORD.p7s"}


def repack(dist: importlib.metadata.Distribution, outdir: Path) -> Path:
    """The wheel an installed pure-Python distribution came from, rebuilt from its RECORD:
    its files and metadata, minus what the installer added, with a fresh RECORD."""
    files = [f for f in dist.files or () if not str(f).startswith("..")
             and "__pycache__" not in f.parts and f.suffix != ".pyc"]
    info_dir = next((f.parent for f in files if f.name == "WHEEL"
                     and f.parent.name.endswith(".dist-info")), None)
    if info_dir is None:
        raise DeliveryError(f"the installed {DIST_NAME} has no .dist-info WHEEL file to repack")
    wheel_meta = dist.read_text("WHEEL") or ""
    tags = re.findall(r"^Tag:\s*(\S+)\s*$", wheel_meta, re.MULTILINE)
    if not re.search(r"^Root-Is-Purelib:\s*true\s*$", wheel_meta, re.MULTILINE) or not tags:
        raise DeliveryError(f"the installed {DIST_NAME} is not a pure-Python wheel install")
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"]).lower()
    wheel_path = outdir / f"{name}-{dist.version}-{tags[0]}.whl"
    payload = [f for f in files if f.parent != info_dir or f.name not in _NOT_REPACKED]
    payload.sort(key=lambda f: (f.parent == info_dir, str(f)))  # metadata last, as pip writes it
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for file in payload:
            data = Path(str(dist.locate_file(file))).read_bytes()
            wheel.writestr(file.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            writer.writerow([file.as_posix(), f"sha256={digest.decode()}", len(data)])
        writer.writerow([f"{info_dir.as_posix()}/RECORD", "", ""])
        wheel.writestr(f"{info_dir.as_posix()}/RECORD", record.getvalue())
    return write_atomic(wheel_path, buffer.getvalue())


# --- the files ------------------------------------------------------------------------------


def write_lite(outdir: Path, wheel_url: str | None = None) -> LiteFiles:
    """main.py, requirements.txt and INSTRUCTIONS.md in ``outdir``; without ``wheel_url`` also
    the wheel, for the user to host."""
    exports = lite_exports()
    reqs = project_requirements()
    wheel = None
    if wheel_url:
        check_wheel_url(wheel_url)
    else:
        wheel = build_wheel(outdir)
    wheel_name = Path(urlparse(wheel_url).path).name if wheel_url else wheel.name
    texts = {
        "main.py": main_py(exports),
        "requirements.txt": requirements_txt(reqs, wheel_url, wheel_name),
        "INSTRUCTIONS.md": instructions(exports, reqs, wheel_url, wheel_name),
    }
    paths = {name: write_atomic(outdir / name, text.encode("utf-8"))
             for name, text in texts.items()}
    return LiteFiles(paths["main.py"], paths["requirements.txt"], paths["INSTRUCTIONS.md"],
                     wheel)


def instructions(exports: LiteExports, reqs: Requirements, wheel_url: str | None,
                 wheel_name: str) -> str:
    """Step by step, for someone who has Excel and this folder."""
    functions = ", ".join(f"`={n.upper()}`" for n in exports.functions)
    scripts = ", ".join(f"**{n.replace('_', ' ').capitalize()}**" for n in exports.scripts)
    provided = ", ".join(f"`{_bare(r)}`" for r in reqs.provided)
    excluded = ", ".join(f"`{r.name}`" for r in reqs.excluded)
    if wheel_url:
        host = (f"requirements.txt already names the wheel at {wheel_url}. That address must "
                "stay reachable over HTTPS from the browser (CORS), or Lite cannot install it.")
    else:
        host = (
            f"This folder holds the wheel `{wheel_name}`. infusion-scrubber is not on PyPI, "
            "so host the wheel where the browser may download it from:\n\n"
            "   - over HTTPS, from a server that allows cross-origin requests (CORS: it sends "
            "`Access-Control-Allow-Origin`). A release asset of a public GitHub repository is "
            "the simple choice (xlwings Lite's documentation names GitHub as a host that "
            "works); a private repository's assets need a login the browser cannot send.\n"
            "   - then add the wheel's URL to requirements.txt where its comment says, e.g. "
            "`https://github.com/OWNER/REPO/releases/download/v"
            f"{__version__}/{wheel_name}` (the URL must end with the file name). Or run "
            "`scrubber addin lite OUTDIR --wheel-url URL` again to have it written for you.")
    return f"""# infusion-scrubber in xlwings Lite

xlwings Lite runs Python inside Excel (Windows, macOS and Excel on the web) with no local Python:
it is Pyodide, Python in the browser. It has no processes, no threads and no access to local
files, so the add-in reads and writes only the open workbook. Lite is free for commercial use.
The code and its requirements are stored in the workbook: repeat steps 3 to 5 in every workbook
that should scrub (or keep one prepared workbook as a template).

## Steps

1. **Install xlwings Lite** (once): in Excel, Home > Add-ins, search for "xlwings Lite", Add.
   Open it from its button on the Home tab: a task pane with an editor opens.
2. **Host the wheel.** {host}
3. **requirements.txt**: in the Lite editor, open the `requirements.txt` tab, replace its
   content with this folder's `requirements.txt`. Lite installs the packages and shows the log
   in its Output pane; if it asks you to restart (its menu > Restart), do so.
4. **main.py**: open the `main.py` tab and replace its content with this folder's `main.py`.
   Lite registers the cell functions and shows the scripts as buttons in the task pane.
5. **Use it**: click **Scrub** on a sheet with a charge table; **Clear marks** removes exactly
   what Scrub added (Excel's undo cannot reverse a script, so Clear marks is the undo). In
   cells: {functions} (Excel's autocomplete shows them with their help). Scripts: {scripts}.
   Settings (facility or professional, payer profile) are on the `Scrubber Settings` sheet
   that Scrub creates; Lite cannot read MUE or HCPCS files from disk, so paste them into the
   sheets that settings sheet names.

## What is installed, and at which versions

requirements.txt holds no exact pins: every version in it is a lower bound (a floor).

- **infusion-scrubber**: the wheel from its URL (step 2), whose file name fixes its version.
- **xlwings**: Lite brings its own. requirements.txt only asks for `{_bare(reqs.xlwings)}`
  (a floor): if Lite's default requirements.txt had an `xlwings==` line, ours replaces it;
  keep Lite's own version whenever it meets the floor.
- **Pure-Python packages** ({", ".join(f"`{r.name}`" for r in reqs.from_pypi)}): from PyPI,
  with the version floors of infusion-scrubber's pyproject.toml: Lite installs a release
  that meets each floor (normally the newest); their own compiled dependencies (such as
  pydantic-core) come from Pyodide's builds. xlwings Lite's documentation (Dependencies,
  https://lite.xlwings.org/dependencies) says that Lite on Pyodide 314.0.0 or newer writes
  the exact versions it installed to a generated `requirements-pinned.txt` and reinstalls
  those at every restart. That is Lite's statement, not verified here (no Excel was
  available); an older Lite without that file may install newer releases when it
  reinstalls. To hold a package back, add an upper bound to its line, as Lite's
  documentation suggests: {_capped_example(reqs)}.
- **Provided by Pyodide, not listed**: {provided} (numpy comes with pandas). Their version
  is the one Pyodide built. infusion-scrubber needs **pandas 3.0 or newer**: if the Output
  pane reports a pandas version conflict, the Pyodide in your xlwings Lite is older than that
  and the add-in cannot run there yet (we have not found a Pyodide release with pandas 3; check
  the Output pane, or Lite's changelog, for the pandas it ships).
- **Not installed on Pyodide**: {excluded}. They only read workbook files, which the add-in
  never opens (it reads the open workbook through Excel); their requirement in pyproject.toml
  carries the marker `sys_platform != 'emscripten'`.

No licence key is needed for Lite and none is written here.

## The classic add-in instead (Windows and macOS, with a local Python)

`pip install 'infusion-scrubber[excel]'`, then `scrubber addin install`: it builds
`infusion_scrubber_excel.xlam` (an "Infusion" tab with a Scrub button) and puts it in Excel's
startup folder (XLSTART), configured for the Python that ran the command. For the cell
functions on Windows (classic UDFs do not work on macOS), once: open Excel, press Alt+F11, in
the add-in's VBA project open the `xlwings` module, click into the Sub
`ImportPythonUDFsToAddin` and press F5, then save the add-in from the VBA editor (Ctrl+S).
After that `=INFUSION_CODE` and the other functions work in every workbook. Excel must trust
access to the VBA project object model for that import (File > Options > Trust Center >
Trust Center Settings > Macro Settings). On macOS, run `xlwings runpython install` once so
that Excel may start Python.
"""
