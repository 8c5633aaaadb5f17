"""`reportgen build --workers N --scheduler S`: the same site byte for byte wherever the models run."""

from __future__ import annotations

import shutil
import sys

import pytest

from conftest import file_manifest, reportgen_cli



def test_bundled_site_is_identical_with_two_local_workers(bundled_site, tmp_path):
    pytest.importorskip("dask.distributed")
    # bundled_site is built in this process, synchronously; this build runs both models as tasks
    # on a local cluster of two worker processes, from a copy of the same inputs.
    project = bundled_site.parent
    other = tmp_path / "project"
    shutil.copytree(project, other, ignore=shutil.ignore_patterns("site"))
    result = reportgen_cli("build", "--site-dir", "site", "--scheduler", "local", "--workers", "2", cwd=other)
    assert result.returncode == 0, result.stderr
    assert "models (local cluster of 2 worker processes): 18/18 done" in result.stderr
    assert file_manifest(other / "site") == file_manifest(bundled_site)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_bundled_site_is_identical_on_forked_workers_the_default(bundled_site, tmp_path):
    # Without --scheduler, a build forks one worker per core for the models and their charts.
    project = bundled_site.parent
    other = tmp_path / "project"
    shutil.copytree(project, other, ignore=shutil.ignore_patterns("site"))
    result = reportgen_cli("build", "--site-dir", "site", "--workers", "2", cwd=other)
    assert result.returncode == 0, result.stderr
    assert "models (2 forked worker processes): 18/18 done" in result.stderr  # 2 models, 6 attention tests, 10 tables
    assert "charts (2 forked worker processes): 12/12 done" in result.stderr  # each model's own, then each strategy's
    assert file_manifest(other / "site") == file_manifest(bundled_site)


def test_unknown_scheduler_is_one_line_and_exit_2(tiny_project):
    result = reportgen_cli("build", "--config", "reportgen.toml", "--scheduler", "yarn", cwd=tiny_project)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --scheduler: unknown scheduler 'yarn'; expected 'local', 'processes', 'synchronous' or 'tcp://host:port'"
    )
    assert not (tiny_project / "site").exists()
