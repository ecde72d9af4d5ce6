# SPDX-License-Identifier: Apache-2.0
"""Packaging: the typed public API, and a wheel and sdist built without touching the source tree.

Needs mypy (``pip install mypy``) and network access to PyPI for the isolated build's backend
(hatchling), as ``pip install ./Spec/peers/python`` does; without them the tests fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

PEER = Path(__file__).resolve().parents[1]


def _tree(root: Path) -> dict[str, int]:
    """Every file below ``root`` (caches aside) with its size."""
    files = {}
    for path in root.rglob("*"):
        parts = set(path.relative_to(root).parts)
        if path.is_file() and not parts & {"__pycache__", ".pytest_cache", ".mypy_cache"}:
            files[str(path.relative_to(root))] = path.stat().st_size
    return files


def test_a_user_script_passes_mypy_strict():
    script = PEER / "tests" / "typing" / "user_script.py"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental", str(script)],
        capture_output=True,
        text=True,
        env=dict(os.environ, MYPYPATH=str(PEER)),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (PEER / "portablewire" / "py.typed").is_file()


def test_the_package_itself_passes_mypy_strict(tmp_path):
    """Every module, internals included (the fast paths type their dynamic values as Any)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path), "portablewire"],
        capture_output=True,
        text=True,
        cwd=PEER,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_wheel_and_sdist_build_in_a_clean_venv_without_writing_into_the_source_tree(tmp_path):
    before = _tree(PEER)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    out = tmp_path / "dist"
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    for command in (
        [*pip, "install", "--quiet", "hatchling>=1.18"],
        # The sdist, then the wheel built from that sdist (not from the tree).
        [str(python), "-m", "hatchling", "build", "--target", "sdist", "--directory", str(out)],
    ):
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=PEER)
        assert result.returncode == 0, result.stdout + result.stderr
    (sdist,) = out.glob("portablewire-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
        # The "data" filter exists from Python 3.11.4 (and in backports); Debian bookworm's 3.11.2 has no filter
        # argument. The archive is our own sdist, built a moment ago.
        if hasattr(tarfile, "data_filter"):
            archive.extractall(tmp_path / "unpacked", filter="data")
        else:
            archive.extractall(tmp_path / "unpacked")
    assert any(name.endswith("/LICENSE") for name in members) and any(name.endswith("/py.typed") for name in members)
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    result = subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(unpacked)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _tree(PEER) == before, "the build wrote into the source tree"

    (wheel,) = out.glob("portablewire-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "portablewire/py.typed" in names and any(name.endswith("licenses/LICENSE") for name in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Python: >=" in metadata and "Classifier: Typing :: Typed" in metadata
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "[kombu.serializers]" in entry_points and "portablewire = portablewire.kombu:register_args" in entry_points

    result = subprocess.run([*pip, "install", "--quiet", str(wheel)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    check = "import portablewire, datetime; d = datetime.date(2024, 5, 1); "\
            "print(portablewire.unpackb(portablewire.packb(d)) == d)"
    result = subprocess.run([str(python), "-c", check], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.stdout.strip() == "True", result.stderr


def _floor(pattern: str) -> str:
    """The lowest version pyproject.toml admits for ``pattern`` (a regex whose group is the version)."""
    match = re.search(pattern, (PEER / "pyproject.toml").read_text())
    assert match, f"pyproject.toml has no {pattern!r}"
    return match.group(1)


def _python(version: str) -> str:
    """An interpreter of ``version`` (e.g. "3.10"): one pyenv installed, or python3.10 on PATH (a pyenv
    shim there fails unless that version is active, so each candidate is asked for its version)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [str(path) for path in sorted(root.glob(f"versions/{version}.*/bin/python{version}"))]
    candidates += [found] if (found := shutil.which(f"python{version}")) else []
    for candidate in candidates:
        probe = subprocess.run([candidate, "-c", "import sys; print(*sys.version_info[:2], sep='.')"],
                               capture_output=True, text=True, timeout=60)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    raise AssertionError(f"no Python {version} to test requires-python with: install it (pyenv install {version})")


def test_the_lowest_python_and_msgpack_claimed_pass_the_suite(tmp_path):
    """requires-python and the msgpack floor are tested, not guessed: the lowest Python that pyproject.toml
    admits, with the lowest msgpack, runs the whole suite but this module. (msgpack before 1.2 packs at
    most 511 levels, not 1024: the fast paths' depth proofs then fail and the Unpacker raised ValueError.)"""
    python_floor = _floor(r'requires-python = ">=(\d+\.\d+)"')
    msgpack_floor = _floor(r'"msgpack>=([\d.]+)"')
    python = _python(python_floor)
    env_dir = tmp_path / "venv"
    result = subprocess.run([python, "-m", "venv", str(env_dir)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    venv_python = str(env_dir / "bin" / "python")
    pip = [venv_python, "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    for command in (
        [*pip, f"msgpack=={msgpack_floor}", "pytest", "pydantic>=2", "attrs", "celery[redis]>=5.3", "grpcio>=1.60"],
        [*pip, "--no-deps", str(PEER)],  # the kombu entry point, for the real-broker test
    ):
        result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
    versions = subprocess.run(
        [venv_python, "-c", "import sys, msgpack; print(*sys.version_info[:2], *msgpack.version, sep='.')"],
        capture_output=True, text=True, timeout=120,
    )
    assert versions.stdout.strip() == f"{python_floor}.{msgpack_floor}" + ".0" * (2 - msgpack_floor.count(".")), versions
    result = subprocess.run(
        [venv_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--ignore=tests/test_packaging.py",
         "tests", "portablewire"],
        capture_output=True, text=True, timeout=1200, cwd=PEER,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
