"""Delivery of the add-in: the xlwings Lite files, the classic .xlam and its install.

The Lite ``main.py`` is imported as a module and must register exactly what ``addin`` registers
(compared through xlwings' own server runtime). The ``.xlam`` is opened as a zip and read back
with python-calamine and LibreOffice: our ribbon and config are in, and every other part, the
VBA first of all, is byte-identical to xlwings' template. Real Excel is not available here:
the ribbon button and the classic UDFs running are not verified by these tests.
"""

from __future__ import annotations

import ast
import base64
import csv
import hashlib
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import python_calamine
from defusedxml import ElementTree
from packaging.requirements import InvalidRequirement, Requirement
from typer.testing import CliRunner
from xlwings.server import custom_functions_meta, custom_scripts_meta

import addin
from addin.delivery import DeliveryError, lite
from addin.delivery.install import MAC_STARTUP, install_xlam, startup_dir
from addin.delivery.xlam import (
    ADDIN_CONTENT_TYPE,
    RUN_MAIN,
    XLAM_NAME,
    AddinConfig,
    build_xlam,
    interpreter_found,
    template_path,
)
from scrubber import __version__
from scrubber.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
WHEEL_NAME = f"infusion_scrubber-{__version__}-py3-none-any.whl"
WHEEL_URL = (f"https://github.com/example/infusion-scrubber/releases/download/v{__version__}/"
             f"{WHEEL_NAME}")
FUNCTIONS = {"infusion_code", "infusion_units", "infusion_minutes", "infusion_codes",
             "drug_code", "drug_units", "scrub_table"}
SCRIPTS = {"scrub", "clear_marks", "suggest_codes"}
EDITED = {"customUI/customUI.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"}
RIBBON = "{http://schemas.microsoft.com/office/2006/01/customui}"
INTERPRETER = r"C:\Users\biller\venv\Scripts\python.exe"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.fixture(scope="module")
def lite_dir(tmp_path_factory) -> Path:
    outdir = tmp_path_factory.mktemp("lite")
    result = runner.invoke(app, ["addin", "lite", str(outdir), "--wheel-url", WHEEL_URL])
    assert result.exit_code == 0, result.output
    return outdir


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    outdir = tmp_path_factory.mktemp("xlam")
    result = runner.invoke(app, ["addin", "build", str(outdir), "--interpreter", INTERPRETER])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote {outdir / XLAM_NAME}"
    return outdir / XLAM_NAME


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def _conf(path: Path) -> dict[str, object]:
    """The config sheet read by python-calamine: label -> value."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name("myaddin.conf").to_python()
    return {row[0]: row[1] if len(row) > 1 else "" for row in rows}


# --- xlwings Lite ---------------------------------------------------------------------------


def test_lite_main_registers_what_addin_registers(lite_dir):
    spec = importlib.util.spec_from_file_location("lite_main_under_test", lite_dir / "main.py")
    main = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(main)
    assert custom_functions_meta(main) == custom_functions_meta(addin)
    assert custom_scripts_meta(main) == custom_scripts_meta(addin)
    registered = {f["id"].lower() for f in custom_functions_meta(main)["functions"]}
    assert registered == FUNCTIONS
    assert {s["function_name"] for s in custom_scripts_meta(main)} == SCRIPTS


def test_lite_main_is_plain_imports_of_the_addin(lite_dir):
    tree = ast.parse((lite_dir / "main.py").read_text(encoding="utf-8"))
    imports = {node.module: {alias.name for alias in node.names}
               for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert imports == {"addin.functions": FUNCTIONS, "addin.scripts": SCRIPTS}
    assert not any(isinstance(node, ast.Import | ast.FunctionDef) for node in tree.body)


def test_lite_requirements_parse_and_pin_as_pyproject(lite_dir):
    lines = [line.strip() for line in (lite_dir / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines[0] == WHEEL_URL
    reqs = {}
    for line in lines[1:]:
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"requirements.txt line does not parse: {line!r} ({exc})")
        assert req.marker is None and req.url is None
        reqs[req.name] = req
    declared = {Requirement(r).name: Requirement(r) for r in _pyproject()["dependencies"]}
    # Pyodide provides pandas; what has no wheel there is marked sys_platform != 'emscripten'
    pure = {name for name, req in declared.items() if name != "pandas" and (
        req.marker is None or req.marker.evaluate({"sys_platform": "emscripten"}))}
    assert not pure & {"python-calamine", "pyarrow", "isal"}
    assert set(reqs) == pure | {"xlwings"}
    for name in pure:
        assert reqs[name].specifier == declared[name].specifier
        assert reqs[name].extras == declared[name].extras
    excel = [Requirement(r) for r in _pyproject()["optional-dependencies"]["excel"]]
    assert str(reqs["xlwings"].specifier) == str(excel[0].specifier)


def test_lite_requirements_say_floors_not_pins(lite_dir):
    """Every version in requirements.txt is a lower bound, so neither file may call them
    pinned: each "pin" word is negated ("no exact pins"), or is Lite's requirements-pinned.txt."""
    requirements = (lite_dir / "requirements.txt").read_text()
    lines = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    operators = {spec.operator for line in lines[1:] for spec in Requirement(line).specifier}
    assert operators == {">="}
    assert "# pure-Python dependencies: version floors as in pyproject.toml" in requirements
    for name in ("requirements.txt", "INSTRUCTIONS.md"):
        text = (lite_dir / name).read_text().replace("requirements-pinned.txt", "")
        pins = re.findall(r"\bpin(?:s|ned|ning)?\b", text, re.IGNORECASE)
        negated = re.findall(r"\b(?:no|not|never)\s+(?:exact\s+)?pin(?:s|ned|ning)?\b", text,
                             re.IGNORECASE)
        assert len(pins) == len(negated), (name, pins, negated)


def test_lite_instructions_attribute_what_lite_does_to_its_docs(lite_dir):
    """What Lite itself does with versions comes from its documentation, and says so."""
    text = (lite_dir / "INSTRUCTIONS.md").read_text()
    assert "Lite records the exact versions it" not in text
    section = text[text.index("## What is installed"):text.index("No licence key")]
    claim = section[section.index("- **Pure-Python packages**"):section.index("- **Provided")]
    assert "requirements-pinned.txt" in claim
    assert "https://lite.xlwings.org/dependencies" in claim
    assert "Pyodide 314.0.0 or newer" in claim and "not verified here" in claim


def test_lite_wheel_url_must_be_https_and_name_this_wheel(tmp_path):
    for url in (f"http://example.com/{WHEEL_NAME}",
                "https://example.com/download?id=7",
                "https://example.com/releases/foo.whl",
                f"https://example.com/{WHEEL_NAME}/",
                "https://example.com/releases/other_package-0.1.0-py3-none-any.whl",
                "https://example.com/releases/infusion_scrubber-0.0.1-py3-none-any.whl",
                f"https://example.com/infusion_scrubber-{__version__}-cp312-cp312-win_amd64.whl",
                "https://example.com/infusion_scrubber-latest-py3-none-any.whl"):
        result = runner.invoke(app, ["addin", "lite", str(tmp_path), "--wheel-url", url])
        assert result.exit_code == 2, url
        assert result.stderr.count("\n") == 1 and "--wheel-url must" in result.stderr, url
        assert result.stderr.startswith("error: ")
        if url.startswith("https://"):
            segment = url.split("?")[0].rsplit("/", 1)[1]
            assert f"{WHEEL_NAME} (the version" in result.stderr and f"'{segment}'" in \
                result.stderr, url
    assert not list(tmp_path.iterdir())
    for url in (WHEEL_URL, f"{WHEEL_URL}?raw=true",
                f"https://example.com/Infusion_Scrubber-{__version__}-py3-none-any.whl"):
        assert lite.check_wheel_url(url) == url


def test_lite_without_url_builds_the_wheel_and_says_where_its_url_goes(tmp_path, monkeypatch):
    def fake_build(outdir: Path) -> Path:  # the real builds are tested below
        return lite.write_atomic(outdir / "infusion_scrubber-0.1.0-py3-none-any.whl", b"PK")

    monkeypatch.setattr(lite, "build_wheel", fake_build)
    files = lite.write_lite(tmp_path)
    assert files.wheel == tmp_path / "infusion_scrubber-0.1.0-py3-none-any.whl"
    requirements = files.requirements.read_text()
    assert "https://" not in requirements
    assert "(infusion_scrubber-0.1.0-py3-none-any.whl) on a line of its own" in requirements
    text = files.instructions.read_text()
    for needed in ("infusion_scrubber-0.1.0-py3-none-any.whl", "CORS", "main.py` tab",
                   "requirements.txt` tab", "pandas 3.0 or newer", "ImportPythonUDFsToAddin",
                   "`pandas>=3.0`", "`python-calamine`, `pyarrow`", "`xlwings>=0.37.5`"):
        assert needed in text, needed


def test_no_licence_key_in_anything_written(lite_dir, xlam):
    key = os.environ["XLWINGS_LICENSE_KEY"]
    for path in lite_dir.iterdir():
        text = path.read_text(encoding="utf-8").lower()
        assert key not in text and "license_key" not in text, path.name
    parts = _parts(xlam)
    assert not any(key.encode() in data for data in parts.values())
    assert "LICENSE_KEY" not in {label.upper() for label in _conf(xlam)}


def test_main_py_names_come_from_the_decorators(tmp_path):
    source = tmp_path / "functions.py"
    source.write_text("import xlwings as xw\n\n"
                      "@xw.func\n@xw.arg('a', doc='A')\ndef one(a):\n    return a\n\n"
                      "@xw.func(volatile=False)\ndef two():\n    return 2\n\n"
                      "def helper():\n    return 3\n\n"
                      "@other.func\ndef three():\n    return 3\n")
    assert lite._decorated(source, "func") == ("one", "two")
    with pytest.raises(lite.DeliveryError, match="xw.script"):
        lite._decorated(source, "script")


def _fake_install(site: Path) -> importlib.metadata.Distribution:
    """An installed pure-Python distribution as pip leaves it, with the installer's extras."""
    files = {"demo/__init__.py": b"VALUE = 1\n", "demo/table.csv": b"a,b\n1,2\n",
             "demo/__pycache__/__init__.cpython-311.pyc": b"\0",
             "demo-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
             "demo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                                         b"Tag: py3-none-any\n",
             "demo-1.0.dist-info/entry_points.txt": b"[console_scripts]\ndemo = demo:main\n",
             "demo-1.0.dist-info/INSTALLER": b"pip\n",
             "demo-1.0.dist-info/REQUESTED": b"",
             "demo-1.0.dist-info/direct_url.json": b'{"url": "file:///x"}'}
    for name, data in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(data)
    record = [f"{name},sha256=x,{len(data)}" for name, data in files.items()]
    record += ["../../bin/demo,sha256=x,10", "demo-1.0.dist-info/RECORD,,"]
    (site / "demo-1.0.dist-info/RECORD").write_text("\n".join(record) + "\n")
    return importlib.metadata.PathDistribution(site / "demo-1.0.dist-info")


def test_repack_makes_an_installable_wheel_of_an_installed_distribution(tmp_path):
    dist = _fake_install(tmp_path / "site")
    wheel = lite.repack(dist, tmp_path / "out")
    assert wheel.name == "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as package:
        names = package.namelist()
        assert names == ["demo/__init__.py", "demo/table.csv",
                         "demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/WHEEL",
                         "demo-1.0.dist-info/entry_points.txt", "demo-1.0.dist-info/RECORD"]
        rows = list(csv.reader(package.read("demo-1.0.dist-info/RECORD").decode().splitlines()))
        for name, digest, size in rows[:-1]:
            data = package.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert (digest, int(size)) == (f"sha256={expected.decode()}", len(data))
        assert rows[-1] == ["demo-1.0.dist-info/RECORD", "", ""]
    target = tmp_path / "target"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                           "--quiet", "--target", str(target), str(wheel)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (target / "demo" / "table.csv").read_bytes() == b"a,b\n1,2\n"


def test_the_wheel_comes_from_the_source_tree_here(tmp_path, monkeypatch):
    """Run from a checkout (or an editable install), the wheel is built from pyproject.toml."""
    calls = []
    monkeypatch.setattr(lite, "pip_wheel", lambda root, outdir: calls.append(root) or outdir)
    if lite._installed_distribution() is not None:
        pytest.skip("infusion-scrubber is installed from a wheel here: it is repacked")
    lite.build_wheel(tmp_path)
    assert calls == [ROOT]


# --- the classic add-in ---------------------------------------------------------------------


def test_xlam_ribbon_has_the_infusion_tab_and_scrub_button(xlam):
    root = ElementTree.fromstring(_parts(xlam)["customUI/customUI.xml"])
    tabs = root.findall(f"{RIBBON}ribbon/{RIBBON}tabs/{RIBBON}tab")
    assert [tab.get("label") for tab in tabs] == ["Infusion"]
    buttons = list(tabs[0].iter(f"{RIBBON}button"))
    assert [(b.get("label"), b.get("onAction")) for b in buttons] == [("Scrub", RUN_MAIN)]
    assert buttons[0].get("screentip") and "active sheet" in buttons[0].get("supertip")


def test_xlam_keeps_every_other_part_byte_for_byte(xlam):
    template, ours = _parts(template_path()), _parts(xlam)
    assert list(ours) == list(template)
    assert ours["xl/vbaProject.bin"] == template["xl/vbaProject.bin"]
    changed = {name for name in template if ours[name] != template[name]}
    assert changed == EDITED
    with zipfile.ZipFile(xlam) as package:
        assert package.testzip() is None
    types = ElementTree.fromstring(ours["[Content_Types].xml"])
    overrides = {o.get("PartName"): o.get("ContentType") for o in types}
    assert overrides["/xl/workbook.xml"] == ADDIN_CONTENT_TYPE


def test_xlam_config_sheet_is_active_and_filled(xlam):
    book = python_calamine.CalamineWorkbook.from_path(str(xlam))
    assert book.sheet_names == ["myaddin.conf"]
    conf = _conf(xlam)
    assert conf["Interpreter_Win"] == INTERPRETER
    assert conf["Interpreter_Mac"] == INTERPRETER
    assert conf["UDF Modules"] == "addin.functions"
    assert conf["PYTHONPATH"] == ""
    assert conf["Use UDF Server"] is False  # the template's other settings are untouched


def test_xlam_rebuilt_from_a_built_one_replaces_its_values(xlam, tmp_path):
    again = build_xlam(tmp_path / XLAM_NAME, AddinConfig("/opt/py & co/bin/python3",
                                                         pythonpath=r"C:\shared\code"), xlam)
    conf = _conf(again)
    assert (conf["Interpreter_Mac"], conf["PYTHONPATH"]) == ("/opt/py & co/bin/python3",
                                                             r"C:\shared\code")
    sheet = _parts(again)["xl/worksheets/sheet1.xml"].decode()
    assert sheet.count('r="B1"') == 1 and sheet.count('r="B3"') == 1
    assert _parts(again)["xl/vbaProject.bin"] == _parts(template_path())["xl/vbaProject.bin"]


def test_xlam_not_an_addin_is_refused(tmp_path):
    bogus = tmp_path / "book.xlam"
    with zipfile.ZipFile(bogus, "w") as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DeliveryError, match=f"add-in file {bogus} is not an .xlam add-in"):
        build_xlam(tmp_path / XLAM_NAME, AddinConfig("python"), bogus)
    assert not (tmp_path / XLAM_NAME).exists()


def _repacked(source: Path, dest: Path, drop: str = "", content_type: str = "") -> Path:
    """``source`` with part ``drop`` left out and the workbook declared as ``content_type``."""
    parts = _parts(source)
    parts.pop(drop, None)
    if content_type:
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            ADDIN_CONTENT_TYPE.encode(), content_type.encode())
    with zipfile.ZipFile(dest, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return dest


def test_install_from_a_bad_file_says_what_is_wrong_in_one_line(xlam, tmp_path):
    (tmp_path / "folder.xlam").mkdir()
    (tmp_path / "text.xlam").write_text("not a zip")
    no_ribbon = _repacked(xlam, tmp_path / "no_ribbon.xlam", drop="customUI/customUI.xml")
    xlsm = _repacked(xlam, tmp_path / "book.xlam",
                     content_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    cases = {tmp_path / "nope.xlam": "does not exist",
             tmp_path / "folder.xlam": "is a folder, not an .xlam file",
             tmp_path / "text.xlam": "is not an .xlam add-in: not a zip file",
             xlsm: "is not an .xlam add-in: it is an .xlsm workbook",
             no_ribbon: "is not an .xlam with a ribbon: it has no customUI/customUI.xml"}
    target = tmp_path / "XLSTART"
    for file, problem in cases.items():
        result = runner.invoke(app, ["addin", "install", "--dir", str(target), "--file",
                                     str(file), "--interpreter", sys.executable])
        assert result.exit_code == 2, file
        assert result.stderr == f"error: add-in file {file} {problem}\n"
        assert result.stdout == ""
    assert not target.exists()


def test_interpreter_missing_here_is_written_with_a_warning(tmp_path):
    missing = "/nonexistent/python"
    for command in (["build", str(tmp_path / "built")],
                    ["install", "--dir", str(tmp_path / "XLSTART")]):
        result = runner.invoke(app, ["addin", *command, "--interpreter", missing])
        assert result.exit_code == 0, result.output
        assert result.stderr == (f"warning: interpreter {missing} does not exist on this "
                                 "machine; written to the add-in anyway (it must exist where "
                                 "Excel runs the add-in)\n")
    for built in (tmp_path / "built" / XLAM_NAME, tmp_path / "XLSTART" / XLAM_NAME):
        assert _conf(built)["Interpreter_Mac"] == missing
    for present in (sys.executable, Path(sys.executable).name):
        result = runner.invoke(app, ["addin", "build", str(tmp_path / "again"),
                                     "--interpreter", present])
        assert result.exit_code == 0 and result.stderr == "", present


def test_interpreter_found():
    assert interpreter_found(sys.executable)
    assert interpreter_found(Path(sys.executable).name)  # a command on PATH (the venv's)
    assert not interpreter_found("/nonexistent/python")
    assert not interpreter_found(r"C:\nowhere\python.exe")
    assert not interpreter_found("no-such-python-here")


def test_libreoffice_opens_the_xlam(xlam, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; CI installs it")
    # LibreOffice's type detection does not recognise the add-in content type (not even in
    # xlwings' own template), so the import filter is named.
    done = subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "xlsx", "--outdir",
         str(tmp_path), str(xlam)], capture_output=True, text=True, timeout=180, check=False)
    converted = tmp_path / "infusion_scrubber_excel.xlsx"
    assert converted.exists(), done.stdout + done.stderr
    import openpyxl

    sheet = openpyxl.load_workbook(converted)["myaddin.conf"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert values["Interpreter_Win"] == INTERPRETER
    assert values["UDF Modules"] == "addin.functions"


def test_install_into_a_folder(tmp_path):
    result = runner.invoke(app, ["addin", "install", "--dir", str(tmp_path / "XLSTART"),
                                 "--interpreter", "/usr/bin/python3"])
    assert result.exit_code == 0, result.output
    installed = tmp_path / "XLSTART" / XLAM_NAME
    assert result.stdout.splitlines()[0] == f"installed {installed}"
    assert _conf(installed)["Interpreter_Mac"] == "/usr/bin/python3"
    assert [p.name for p in installed.parent.iterdir()] == [XLAM_NAME]  # no temp file left


def test_install_from_a_file_keeps_the_fixed_name(xlam, tmp_path):
    renamed = tmp_path / "my copy.xlam"
    shutil.copyfile(xlam, renamed)
    installed = install_xlam(tmp_path / "XLSTART", AddinConfig("py"), renamed)
    assert installed.name == XLAM_NAME and _conf(installed)["Interpreter_Win"] == "py"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Excel has a startup folder")
def test_install_without_dir_on_linux_fails_in_one_line():
    result = runner.invoke(app, ["addin", "install"])
    assert result.exit_code == 2
    assert result.stderr == ("error: Excel add-ins install on Windows or macOS; on linux give "
                             f"--dir to say where {XLAM_NAME} goes\n")


def test_startup_folders():
    assert startup_dir("win32", {"APPDATA": r"C:\Users\b\AppData\Roaming"}) == \
        Path(r"C:\Users\b\AppData\Roaming") / "Microsoft" / "Excel" / "XLSTART"
    assert startup_dir("darwin", {}, Path("/Users/b")) == Path("/Users/b") / MAC_STARTUP
    assert startup_dir("linux", {}) is None


def test_without_the_excel_extra_each_command_says_how_to_get_it(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "xlwings" else real(name, *a))
    for command in (["lite", str(tmp_path)], ["build", str(tmp_path)],
                    ["install", "--dir", str(tmp_path)]):
        result = runner.invoke(app, ["addin", *command])
        assert result.exit_code == 2
        assert result.stderr == ("error: install the Excel extra: "
                                 "pip install 'infusion-scrubber[excel]'\n")
    assert not list(tmp_path.iterdir())
