"""XML entity attacks in every part of a workbook (issue 13): the billion laughs and an
external entity naming a local file, in each XML part in turn (tests/data/bad/
make_xml_attacks.py). Each file is refused with one line naming the part, under a memory
cap, through ``scrub`` and ``batch``; the local file's text reaches no output; the clean file
of the same run is scrubbed as if alone."""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scrubber.io.doctype import _scan, declaring_part
from tests.conftest import ROOT, SAMPLES

SECRET = "XXE-SECRET-7731"
_spec = importlib.util.spec_from_file_location(
    "make_xml_attacks", ROOT / "tests" / "data" / "bad" / "make_xml_attacks.py")
attacks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attacks)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[Path], Path]:
    folder = tmp_path_factory.mktemp("xml-attacks")
    secret = folder / "secret.txt"
    secret.write_text(SECRET)
    files = attacks.build(folder / "in", secret)
    good = shutil.copy(SAMPLES / "clean_export.xlsx", folder / "in" / "good.xlsx")
    return folder, files, Path(good)


def _capped() -> None:  # pragma: no cover - runs in the child before it starts
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scrubber", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, preexec_fn=_capped)


def everything_written(folder: Path) -> str:
    text = []
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as package:
                text += [package.read(n).decode("utf-8", "replace") for n in package.namelist()]
        elif path.is_file():
            text.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(text)


def test_every_part_and_kind_is_in_the_corpus(corpus):
    _, files, _ = corpus
    with zipfile.ZipFile(files[0]) as package:
        parts = [n for n in package.namelist() if n.endswith((".xml", ".rels"))]
    assert len(files) == len(parts) * len(attacks.KINDS) >= 16


def test_scrub_refuses_each_attack_with_one_line_and_scrubs_the_clean_file(corpus):
    folder, files, good = corpus
    before = {f: f.read_bytes() for f in files}
    result = run("scrub", *map(str, files), str(good), "--out", str(folder / "scrub-out"),
                 "--format", "json", cwd=folder)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == len(files)
    for path in files:
        line = next(e for e in errors if f" {path}: " in e or f"{path.name}: " in e)
        assert "document type" in line and "attack" in line
    report = json.loads(result.stdout)
    assert [f["path"] for f in report["files"]] == [str(good)]
    alone = run("scrub", str(good), "--no-mark", "--format", "json", cwd=folder)
    assert json.loads(alone.stdout)["files"][0]["findings"] == report["files"][0]["findings"]
    written = sorted(p.name for p in (folder / "scrub-out").iterdir())
    assert written == ["good.scrubbed.xlsx"]  # no copy, no temporary file of the others
    assert SECRET not in result.stdout + result.stderr + everything_written(folder / "scrub-out")
    assert all(f.read_bytes() == data for f, data in before.items())


def test_batch_refuses_each_attack_and_reports_the_clean_file_as_alone(corpus):
    folder, files, good = corpus
    result = run("batch", str(folder / "in"), "--out", str(folder / "batch-out"), cwd=folder)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads((folder / "batch-out" / "summary.json").read_text())
    failed = {Path(f["path"]).name: f["reason"] for f in summary["files"]
              if f["status"] == "failed"}
    assert set(failed) == {f.name for f in files}
    assert all("document type" in reason for reason in failed.values())
    good_line = next(f for f in summary["files"] if Path(f["path"]).name == "good.xlsx")
    assert good_line["status"] != "failed" and good_line["rows"]
    assert SECRET not in result.stdout + result.stderr + everything_written(folder / "batch-out")


def test_a_declaration_behind_comments_and_processing_instructions_is_found():
    assert _scan('<?xml version="1.0"?>\n<!-- a -->\n<?pi x?><!DOCTYPE a [ ]><a/>') == \
        "doctype"
    assert _scan('<?xml version="1.0"?><!-- <!DOCTYPE a> --><worksheet>') == "clean"
    assert _scan("<!ENTITY x 'y'><a/>") == "doctype"


def test_clean_packages_pass(tmp_path):
    for sample in sorted(SAMPLES.glob("*.xlsx")):
        assert declaring_part(sample) is None


def with_part(path: Path, part: str, change) -> Path:
    """The clean sample at ``path`` with ``change(bytes) -> bytes`` applied to one part."""
    shutil.copy(SAMPLES / "clean_export.xlsx", path)
    with zipfile.ZipFile(path) as package:
        items = [(i, package.read(i.filename)) for i in package.infolist()]
    with zipfile.ZipFile(path, "w") as out:
        for info, data in items:
            out.writestr(info, change(data) if info.filename == part else data)
    return path


def test_a_utf16_part_with_a_declaration_is_found(tmp_path):
    path = with_part(tmp_path / "utf16.xlsx", "docProps/app.xml", lambda data: (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x/>'.encode("utf-16")))
    assert declaring_part(path) == ("docProps/app.xml", "doctype")


def test_a_prolog_padded_past_the_limit_is_refused(tmp_path, monkeypatch):
    from scrubber.io import doctype

    monkeypatch.setattr(doctype, "MAX_PROLOG", 10_000)
    path = with_part(tmp_path / "padded.xlsx", "docProps/core.xml",
                     lambda data: b"<?xml version='1.0'?>" + b"<!-- pad -->" * 2_000 + data)
    assert declaring_part(path) == ("docProps/core.xml", "long")
