"""The output folder: what reportgen refuses to replace, the build lock, and the atomic swap."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path

import pytest

from reportgen.inputs.errors import SiteError
from reportgen.publish import safe_output
from reportgen.publish.safe_output import MARKER, build_lock, checked_output_folder, lock_path, staged_folder

from conftest import file_manifest


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A project folder with a config and a data file, a home folder and a current folder."""
    home, work = tmp_path / "home", tmp_path / "outer" / "work"
    (work / "project" / "data").mkdir(parents=True)
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    project = work / "project"
    (project / "reportgen.toml").write_text("")
    (project / "data" / "prices.csv").write_text("")
    return project


def refusal(site_dir: Path, project: Path) -> str:
    inputs = [project / "reportgen.toml", project / "data" / "prices.csv", project / "templates"]
    with pytest.raises(SiteError) as error:
        checked_output_folder(site_dir, project, inputs)
    return str(error.value)


def test_refuses_root_home_current_project_and_input_folders(project: Path):
    home, work = Path(os.environ["HOME"]).resolve(), project.parent.resolve()
    root = Path(work.anchor)
    assert refusal(root, project) == f"{root}: refusing to replace {root}: it is the filesystem root; choose another --site-dir"
    assert refusal(home, project) == f"{home}: refusing to replace {home}: it is the home folder; choose another --site-dir"
    assert refusal(Path("."), project) == f".: refusing to replace {work}: it is the current folder; choose another --site-dir"
    assert refusal(work.parent, project).endswith(f"it contains the current folder ({work}); choose another --site-dir")
    assert refusal(project, project).endswith("it is the project folder; choose another --site-dir")
    assert refusal(project / "data", project) == (
        f"{project / 'data'}: refusing to replace {project / 'data'}: it contains an input of this build "
        f"({project / 'data' / 'prices.csv'}); choose another --site-dir"
    )
    assert refusal(project / "templates", project).endswith("it is an input of this build; choose another --site-dir")


def test_symlinks_are_resolved_before_the_checks(project: Path, tmp_path: Path):
    link = tmp_path / "innocent-looking"
    link.symlink_to(project)
    assert refusal(link, project).endswith(f"refusing to replace {project}: it is the project folder; choose another --site-dir")
    home_link = tmp_path / "out"
    home_link.symlink_to(os.environ["HOME"])
    assert refusal(home_link, project).endswith("it is the home folder; choose another --site-dir")


def test_a_folder_of_the_users_files_or_a_file_is_refused(project: Path, tmp_path: Path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    assert refusal(mine, project) == (
        f"{mine}: folder is not empty and was not made by reportgen (no {MARKER}); choose another --site-dir or empty it"
    )
    a_file = tmp_path / "report.html"
    a_file.write_text("x")
    assert refusal(a_file, project) == f"{a_file}: exists and is not a folder"


def test_absent_empty_and_reportgen_folders_are_accepted(project: Path, tmp_path: Path):
    assert checked_output_folder(tmp_path / "new", project) == (tmp_path / "new").resolve()
    (tmp_path / "empty").mkdir()
    assert checked_output_folder(tmp_path / "empty", project) == (tmp_path / "empty").resolve()
    ours = project / "site"
    ours.mkdir()
    (ours / MARKER).write_text("")
    (ours / "index.html").write_text("old")
    assert checked_output_folder(ours, project) == ours.resolve()
    assert not (tmp_path / "new").exists()  # checking writes nothing


def test_a_second_holder_of_the_lock_fails_at_once_naming_the_first(tmp_path: Path):
    target = tmp_path / "site"
    with build_lock(target):
        assert lock_path(target).read_text() == f"{os.getpid()}\n"
        with pytest.raises(SiteError) as error:
            with build_lock(target):
                pass
        assert str(error.value) == (
            f"{target}: another reportgen build (pid {os.getpid()}) is writing this site "
            f"(lock {lock_path(target)}); wait for it to finish"
        )
    assert not lock_path(target).exists()
    with build_lock(target):  # released: the next build takes it
        pass


def test_a_lock_file_left_by_a_killed_build_does_not_block(tmp_path: Path):
    target = tmp_path / "site"
    lock_path(target).write_text("99999\n")  # no process holds it: the kernel dropped the flock
    with build_lock(target):
        pass
    assert not lock_path(target).exists()


def test_folders_made_for_the_lock_are_removed_when_nothing_is_published(tmp_path: Path):
    target = tmp_path / "a" / "b" / "site"
    with pytest.raises(RuntimeError):
        with build_lock(target):
            assert target.parent.is_dir()
            raise RuntimeError("the build failed")
    assert list(tmp_path.iterdir()) == []


def published_site(parent: Path) -> Path:
    target = parent / "site"
    with staged_folder(target) as fresh:
        (fresh / "index.html").write_text("first build")
        (fresh / "assets").mkdir()
        (fresh / "assets" / "app.js").write_text("1")
    return target


@pytest.mark.parametrize("failure", [RuntimeError("mkdocs failed"), KeyboardInterrupt()])
def test_a_build_that_fails_half_way_leaves_the_previous_site_byte_for_byte(tmp_path: Path, failure):
    target = published_site(tmp_path)
    before = file_manifest(target)
    with pytest.raises(type(failure)):
        with staged_folder(target) as fresh:
            (fresh / "index.html").write_text("half")
            raise failure
    assert file_manifest(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temporary folder behind


def test_a_successful_build_replaces_the_whole_site(tmp_path: Path):
    target = published_site(tmp_path)
    with staged_folder(target) as fresh:
        (fresh / "index.html").write_text("second build")
    assert file_manifest(target) == {
        MARKER: hashlib.sha256(b"made by reportgen; replaced whole on each build\n").hexdigest(),
        "index.html": hashlib.sha256(b"second build").hexdigest(),
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_next_build_clears_what_a_killed_build_left(tmp_path: Path):
    target = published_site(tmp_path)
    before = file_manifest(target)
    # killed between the two renames of a swap: the previous site sits in .site.old-*
    os.replace(target, tmp_path / ".site.old-x1")
    stale_new = tmp_path / ".site.new-x2"
    stale_new.mkdir()
    (stale_new / MARKER).write_text("")
    not_ours = tmp_path / ".site.new-user"  # no marker: never deleted
    not_ours.mkdir()
    with pytest.raises(RuntimeError):
        with staged_folder(target):
            raise RuntimeError("fails again")
    assert file_manifest(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.new-user", "site"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_on_linux_a_swap_never_leaves_the_site_folder_missing(tmp_path: Path, monkeypatch):
    """The swap exchanges the two folders in one step: a server reading site/ during a rebuild
    (reportgen serve polls and swaps) finds the old site or the new one, never a 404."""
    target = published_site(tmp_path)
    renamed = []
    monkeypatch.setattr(safe_output.os, "replace", lambda *paths: renamed.append(paths))  # the two-rename fallback
    missing, stop = [], threading.Event()

    def reader() -> None:
        while not stop.is_set():
            if not (target / "index.html").exists():
                missing.append(1)

    watching = threading.Thread(target=reader)
    watching.start()
    try:
        for build in range(50):
            with staged_folder(target) as fresh:
                (fresh / "index.html").write_text(f"build {build}")
    finally:
        stop.set()
        watching.join()
    assert renamed == [] and missing == []
    assert (target / "index.html").read_text() == "build 49"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
