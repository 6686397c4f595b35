"""The workshop's front-end cache: where it lives, how it is filled, and how it fails.

No network: ``npm`` is either absent from ``PATH`` or a small fake script that
fails, or copies a tarball built here, the way ``npm pack`` leaves one.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import abm
from abm.workshop import assets, launch

SOURCE_ROOT = Path(abm.__file__).resolve().parents[1]
INSTALL_SCRIPT = SOURCE_ROOT / "scripts" / "install_workshop_assets.sh"
SPECS = ["@scope/widget@1.0.0", "plain@2.0.0"]
SYSTEM_PATH = "/usr/bin:/bin"  # for the shell's own tools (dirname, cp); has no fake npm


def _executable(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def _tarball(path: Path, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _fake_npm(bin_dir: Path, tarball: Path | None = None, fail: str = "") -> Path:
    """An ``npm`` that logs each spec it packs, then fails or copies ``tarball`` into cwd."""
    log = bin_dir / "calls.log"
    act = (f'echo "{fail}" >&2; exit 1' if fail else
           f'cp "{tarball}" "./$(echo "$2" | tr "/@" "__").tgz"; echo packed')
    _executable(bin_dir / "npm", f'echo "$2" >> "{log}"\n{act}\n')
    return log


def _good_tarball(folder: Path) -> Path:
    return _tarball(folder / "good.tgz", {"package/package.json": "{}",
                                          "package/dist/main.js": "var x = 1;"})


def _only_fake_tools_on_path(monkeypatch, bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{SYSTEM_PATH}"
                       if (bin_dir / "npm").exists() else str(bin_dir))


def _no_spec_folder_in(cache: Path) -> bool:
    """Nothing in the cache: no package folder, complete or partial, and no staging folder."""
    return not cache.exists() or not any(cache.iterdir())


# ---------------------------------------------------------------- where the cache lives

def test_the_cache_follows_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(assets.CACHE_ENV, str(tmp_path / "mine"))
    assert assets.default_cache_dir() == tmp_path / "mine"
    env = launch.server_environment()
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path / "mine")


def test_the_default_cache_is_the_users_cache_folder_outside_the_source_tree(monkeypatch,
                                                                              tmp_path):
    monkeypatch.delenv(assets.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert assets.default_cache_dir() == tmp_path / "xdg" / "nhs-reform-abm" / \
        "workshop-assets" / "cdn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert assets.default_cache_dir() == tmp_path / "home" / ".cache" / assets.CACHE_SUBDIR
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
    assert assets.default_cache_dir() == tmp_path / "home" / ".cache" / assets.CACHE_SUBDIR
    monkeypatch.undo()
    monkeypatch.delenv(assets.CACHE_ENV, raising=False)
    assert not assets.default_cache_dir().is_relative_to(SOURCE_ROOT)


# ---------------------------------------------------------------- filling it

def test_install_places_each_package_whole_and_skips_complete_ones(monkeypatch, tmp_path):
    log = _fake_npm(tmp_path / "bin", _good_tarball(tmp_path))
    _only_fake_tools_on_path(monkeypatch, tmp_path / "bin")
    cache = tmp_path / "cache"
    (cache / "plain@2.0.0" / "dist").mkdir(parents=True)  # a folder of single files, no
    (cache / "plain@2.0.0" / "dist" / "old.js").write_text("")  # package.json: replaced
    assert assets.install(cache, SPECS) == SPECS
    for spec in SPECS:
        assert (cache / spec / "package.json").is_file()
        assert (cache / spec / "dist" / "main.js").read_text() == "var x = 1;"
    assert not (cache / "plain@2.0.0" / "dist" / "old.js").exists()
    assert not list(cache.glob(f"{assets.STAGING_PREFIX}*"))
    assert assets.install(cache, SPECS) == []  # complete: npm not called again
    assert log.read_text().split() == SPECS


def test_install_without_npm_names_the_packages_and_writes_nothing(monkeypatch, tmp_path):
    _only_fake_tools_on_path(monkeypatch, tmp_path / "empty_bin")
    with pytest.raises(assets.AssetCacheError, match="npm not found") as info:
        assets.install(tmp_path / "cache", SPECS)
    assert all(spec in str(info.value) for spec in SPECS)
    assert _no_spec_folder_in(tmp_path / "cache")


def test_a_failing_npm_pack_names_the_package_and_leaves_no_half_written_one(monkeypatch,
                                                                             tmp_path):
    _fake_npm(tmp_path / "bin", fail="npm error 404 Not Found")
    _only_fake_tools_on_path(monkeypatch, tmp_path / "bin")
    with pytest.raises(assets.AssetCacheError) as info:
        assets.install(tmp_path / "cache", SPECS)
    message = str(info.value)
    assert SPECS[0] in message and "exit code 1" in message and "404 Not Found" in message
    assert _no_spec_folder_in(tmp_path / "cache")


@pytest.mark.parametrize("files, cause", [
    ({"other/package.json": "{}"}, "no package/ folder"),
    ({"package/readme.md": "no manifest"}, "no package/package.json"),
])
def test_an_unusable_tarball_is_refused(monkeypatch, tmp_path, files, cause):
    _fake_npm(tmp_path / "bin", _tarball(tmp_path / "bad.tgz", files))
    _only_fake_tools_on_path(monkeypatch, tmp_path / "bin")
    with pytest.raises(assets.AssetCacheError, match=cause):
        assets.install(tmp_path / "cache", SPECS[:1])
    assert _no_spec_folder_in(tmp_path / "cache")


def test_a_truncated_tarball_leaves_no_half_extracted_package(monkeypatch, tmp_path):
    whole = _tarball(tmp_path / "whole.tgz", {
        "package/package.json": "{}", **{f"package/f{i}.js": os.urandom(2000).hex()
                                         for i in range(20)}})
    cut = tmp_path / "cut.tgz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    _fake_npm(tmp_path / "bin", cut)
    _only_fake_tools_on_path(monkeypatch, tmp_path / "bin")
    with pytest.raises(assets.AssetCacheError, match="cannot extract"):
        assets.install(tmp_path / "cache", SPECS[:1])
    assert _no_spec_folder_in(tmp_path / "cache")


def test_an_empty_package_list_is_refused(tmp_path):
    with pytest.raises(assets.AssetCacheError, match="empty"):
        assets.install(tmp_path, [])


def test_the_command_line_lists_the_packages_and_fails_loudly(monkeypatch, tmp_path):
    listed = subprocess.run([sys.executable, "-m", "abm.workshop.assets", "list"],
                            capture_output=True, text=True, check=True)
    assert listed.stdout.split() == assets.required_packages()
    _fake_npm(tmp_path / "bin", fail="npm error network")
    env = {**os.environ, assets.CACHE_ENV: str(tmp_path / "cache"),
           "PATH": f"{tmp_path / 'bin'}{os.pathsep}{SYSTEM_PATH}"}
    done = subprocess.run([sys.executable, "-m", "abm.workshop.assets", "install"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert assets.required_packages()[0] in done.stderr and "npm error network" in done.stderr
    assert "cache complete" not in done.stdout


# ---------------------------------------------------------------- the launcher

@pytest.mark.parametrize("npm", ["absent", "failing"])
def test_the_launcher_refuses_to_start_on_an_incomplete_cache(monkeypatch, tmp_path, capsys,
                                                               npm):
    started = []
    monkeypatch.setattr(launch.os, "execve", lambda *args: started.append(args))
    monkeypatch.setenv(assets.CACHE_ENV, str(tmp_path / "cache"))
    if npm == "failing":
        _fake_npm(tmp_path / "bin", fail="npm error 503")
    _only_fake_tools_on_path(monkeypatch, tmp_path / "bin")
    with pytest.raises(SystemExit) as info:
        launch.main([])
    assert info.value.code == 1 and started == []
    err = capsys.readouterr().err
    assert "not starting" in err
    assert all(spec in err for spec in assets.required_packages())


# ---------------------------------------------------------------- the shell wrapper

def _script_outside_any_venv(tmp_path: Path) -> Path:
    """The install script in a copy of the tree with no .venv beside it."""
    script = tmp_path / "clone" / "scripts" / INSTALL_SCRIPT.name
    script.parent.mkdir(parents=True)
    shutil.copy(INSTALL_SCRIPT, script)
    return script


def _run_script(script: Path, path: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHON", assets.CACHE_ENV)}
    return subprocess.run(["bash", str(script)], env={**clean, "PATH": path, **env},
                          capture_output=True, text=True)


def test_the_script_fails_when_no_python_has_the_project(tmp_path):
    bin_dir = tmp_path / "bin"
    _executable(bin_dir / "python3", "exit 1\n")  # any python3 without the project
    done = _run_script(_script_outside_any_venv(tmp_path), f"{bin_dir}:{SYSTEM_PATH}")
    assert done.returncode != 0
    assert "no Python with the project installed" in done.stderr
    assert "cache complete" not in done.stdout


def test_the_script_fails_when_the_package_list_cannot_be_read(tmp_path):
    python = _executable(tmp_path / "bin" / "python", (
        'case "$*" in *" -c "*) exit 0;; esac\n'
        'echo "cannot read the package list" >&2; exit 1\n'))
    done = _run_script(_script_outside_any_venv(tmp_path), SYSTEM_PATH, PYTHON=str(python))
    assert done.returncode != 0
    assert "cannot read the package list" in done.stderr and "failed" in done.stderr
    assert "cache complete" not in done.stdout


def test_the_script_fails_when_npm_fails(tmp_path):
    _fake_npm(tmp_path / "bin", fail="npm error ETIMEDOUT")
    done = _run_script(_script_outside_any_venv(tmp_path), f"{tmp_path / 'bin'}:{SYSTEM_PATH}",
                       PYTHON=sys.executable, **{assets.CACHE_ENV: str(tmp_path / "cache")})
    assert done.returncode != 0
    assert "ETIMEDOUT" in done.stderr and assets.required_packages()[0] in done.stderr
    assert "cache complete" not in done.stdout
    assert _no_spec_folder_in(tmp_path / "cache")
