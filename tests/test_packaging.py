"""A normal (non-editable) install works: build the wheel, install it into a fresh venv, run it.

The editable install that development and CI use imports ``finmodel`` from the source tree, so
a package directory that the wheel leaves out (e.g. one without ``__init__.py``) goes unnoticed
everywhere else. This test builds the wheel, checks that it holds every package of the source
tree, installs it into a new virtual environment and runs ``finmodel validate`` and
``finmodel run`` through the venv's console script from a folder outside the repository.

The venv does not install numpy, pandas, scipy... again (slow, and it would need the network):
it sees this interpreter's site-packages as a plain path. It is not made with
``--system-site-packages``, because that would also run the editable install's import hook,
which serves any module missing from the wheel out of the source tree: the very failure this
test is here to catch.
"""
from __future__ import annotations

import configparser
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(args: list, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command without the test session's PYTHONPATH, failing with its output."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, (f"{args} exited {result.returncode}\n"
                                    f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
    return result


def _source_packages() -> set[str]:
    """Every directory under finmodel/ that holds Python modules, as a dotted name."""
    return {".".join(path.parent.relative_to(REPO).parts)
            for path in (REPO / "finmodel").rglob("*.py") if "__pycache__" not in path.parts}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of this checkout (so no build files land in the repo).

    No build isolation: the installed setuptools and wheel build it, nothing is downloaded.
    """
    source = tmp_path_factory.mktemp("source")
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "finmodel", source / "finmodel",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", out, source], cwd=out)
    (path,) = out.glob("finmodel-*.whl")
    return path


def test_wheel_ships_every_package_with_its_init(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(package for package in _source_packages()
                     if package.replace(".", "/") + "/__init__.py" not in names)
    assert not missing, f"packages left out of the wheel (no __init__.py?): {missing}"
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; returns its bin/ (Scripts\\ on Windows) folder."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    env_site = Path(sysconfig.get_path("purelib", vars={"base": env_dir, "platbase": env_dir}))
    outer = [*site.getsitepackages(), sysconfig.get_path("purelib")]
    if site.ENABLE_USER_SITE:
        outer.append(site.getusersitepackages())
    (env_site / "outer-site-packages.pth").write_text("\n".join(dict.fromkeys(outer)) + "\n")
    scripts = Path(sysconfig.get_path("scripts", vars={"base": env_dir}))
    python = scripts / Path(sys.executable).name
    # pip comes from the outer site-packages but installs into the venv; --force-reinstall
    # because pip also sees the outer (editable) finmodel of the same version.
    _run([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--force-reinstall",
          wheel], cwd=env_dir)
    return scripts


def test_installed_wheel_runs_the_shipped_case_outside_the_repo(installed: Path, tmp_path):
    shutil.copytree(REPO / "assumptions", tmp_path / "assumptions")
    (tmp_path / "outputs").mkdir()
    code = ("import importlib, pkgutil, sys, finmodel\n"
            "for m in pkgutil.walk_packages(finmodel.__path__, 'finmodel.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(*(m.__file__ for n, m in sys.modules.items() if n.startswith('finmodel')))\n")
    modules = _run([installed / "python", "-c", code], cwd=tmp_path).stdout.split()
    assert len(modules) > 10
    outside = [m for m in modules if not Path(m).is_relative_to(installed.parent)]
    assert not outside, f"imported from outside the venv: {outside}"
    finmodel = installed / "finmodel"
    _run([finmodel, "validate"], cwd=tmp_path)
    _run([finmodel, "run"], cwd=tmp_path)
    workbook = tmp_path / "outputs" / "base.xlsx"
    assert workbook.is_file() and zipfile.is_zipfile(workbook)


def _pins(lines: list[str], operator: str) -> dict[str, tuple[int, ...]]:
    """``name -> version`` for the lines ``name<operator>version`` (names normalised; an
    environment marker after ``;`` is left out)."""
    out = {}
    for line in lines:
        line = line.split("#")[0].split(";")[0].strip()
        if line:
            name, version = line.split(operator)
            out[re.sub(r"[-_.]+", "-", name.strip().lower())] = tuple(
                int(part) for part in version.strip().split("."))
    return out


def test_constraints_file_pins_every_runtime_floor():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    floors = _pins(cfg["options"]["install_requires"].splitlines(), ">=")
    floors |= _pins(cfg["options.extras_require"]["parquet"].splitlines(), ">=")  # optional, pinned too
    pins = _pins((REPO / ".ci" / "constraints-min.txt").read_text().splitlines(), "==")
    assert set(pins) == set(floors)
    for name, floor in floors.items():
        pad = max(len(floor), len(pins[name]))
        assert floor + (0,) * (pad - len(floor)) == pins[name] + (0,) * (pad - len(pins[name])), name
