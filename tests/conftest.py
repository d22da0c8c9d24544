"""Shared fixtures: the small test scenario and the shipped assumptions."""
from __future__ import annotations

from pathlib import Path

import pytest

import relhelp  # test support (not fixtures): projects in temporary folders, running the CLI

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini" / "scenario.yaml"
BASE = ROOT / "assumptions" / "base.yaml"


@pytest.fixture(scope="session")
def mini():
    from finmodel.api import load
    return load(MINI)


@pytest.fixture(scope="session")
def mini_run(mini):
    from finmodel.api import run
    return run(mini)


@pytest.fixture(scope="session")
def base():
    from finmodel.api import load
    return load(BASE)


@pytest.fixture(scope="session")
def base_run(base):
    from finmodel.api import run
    return run(base)


# --- projects for the reliability tests: a copy of the inputs in a temporary working folder ---


@pytest.fixture(scope="session")
def golden(tmp_path_factory) -> dict[str, bytes]:
    """``base.xlsx`` and ``base.run.json`` of a real run of the mini fixture, made once."""
    root = tmp_path_factory.mktemp("golden")
    project = relhelp.make_project(root, {})
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        res = relhelp.run_main("run", "-q")
    assert res.code == 0, res.err
    return {name: (project.outputs / name).read_bytes() for name in ("base.xlsx", "base.run.json")}


@pytest.fixture()
def mini_project(tmp_path, golden, monkeypatch) -> "relhelp.Project":
    """The mini fixture as ``assumptions/base.yaml`` + ``deals.csv``; the working folder."""
    project = relhelp.make_project(tmp_path, golden, "mini")
    monkeypatch.chdir(tmp_path)
    return project


@pytest.fixture()
def shipped_project(tmp_path, golden, monkeypatch) -> "relhelp.Project":
    """A copy of the shipped assumptions (base, bull, bear, sensitivity); the working folder."""
    project = relhelp.make_project(tmp_path, golden, "shipped")
    monkeypatch.chdir(tmp_path)
    return project


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A copy of the shipped assumptions with an empty outputs/ folder, as the working dir."""
    import shutil
    shutil.copytree(ROOT / "assumptions", tmp_path / "assumptions")
    (tmp_path / "outputs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture()
def invoke():
    """``invoke(*args)``: the ``finmodel`` click group through ``CliRunner`` (stderr apart)."""
    from click.testing import CliRunner
    from finmodel.cli import cli

    def _invoke(*args: str):
        try:
            runner = CliRunner(mix_stderr=False)
        except TypeError:  # click >= 8.2 always keeps stderr apart
            runner = CliRunner()
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return _invoke


@pytest.fixture()
def main_cli(capsys):
    """``main_cli(*args)``: ``finmodel.cli.main`` in this process -> (exit code, stdout, stderr)."""
    import signal
    from finmodel.cli import main

    def _main(*args: str):
        handler = signal.getsignal(signal.SIGTERM)
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
        else:
            raise AssertionError("main() must end with sys.exit")
        finally:
            signal.signal(signal.SIGTERM, handler)
        out = capsys.readouterr()
        return code, out.out, out.err
    return _main
