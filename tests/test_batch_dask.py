"""The batch on Dask: a LocalCluster on loopback gives the summary the local pool gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT
from test_batch import GOOD, _options, exports  # noqa: F401 - the fixture

from scrubber.batchrun.run import run_batch

if not os.environ.get("CI"):  # CI installs the test extra, which includes Dask
    pytest.importorskip("distributed")


def _results(summary: dict) -> tuple[list[dict], dict]:
    return summary["files"], summary["totals"]


def test_local_cluster_gives_the_local_summary(exports, tmp_path):  # noqa: F811
    from distributed import LocalCluster

    local = run_batch([str(exports)], tmp_path / "local", _options(), jobs=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        remote = run_batch([str(exports)], tmp_path / "dask", _options(),
                           scheduler=cluster.scheduler_address)
    assert remote.summary["run"]["backend"] == "dask"
    assert _results(remote.summary) == _results(local.summary)
    assert local.summary["totals"]["failed"] == 3 and local.summary["totals"]["errors"] > 50
    for entry in local.summary["files"]:
        if entry["report"]:  # the reports the workers wrote are the local ones
            assert (tmp_path / "dask" / entry["report"]).read_text(encoding="utf-8") == \
                (tmp_path / "local" / entry["report"]).read_text(encoding="utf-8")
    assert (tmp_path / "dask" / "summary.xlsx").is_file()


def test_dask_local_flag(exports, tmp_path):  # noqa: F811
    local = run_batch([str(exports)], tmp_path / "local", _options(), jobs=1)
    done = subprocess.run([sys.executable, "-m", "scrubber", "batch", str(exports), "--out",
                           str(tmp_path / "dask"), "--dask-local", "2", "--quiet"],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr
    summary = json.loads((tmp_path / "dask" / "summary.json").read_text(encoding="utf-8"))
    assert _results(summary) == _results(local.summary)
    assert all(line.startswith("error: ") for line in done.stderr.splitlines()), done.stderr
    assert len(done.stderr.splitlines()) == 3


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    from typer.testing import CliRunner

    from scrubber.cli import app

    result = CliRunner().invoke(app, ["batch", str(ROOT / "samples" / "clean_export.xlsx"),
                                      "--out", str(tmp_path / "out"), "--scheduler",
                                      "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert result.stderr == ("error: could not reach the Dask scheduler at tcp://127.0.0.1:9 "
                             "(OSError)\n")
