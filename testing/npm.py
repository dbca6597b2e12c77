"""Hook managers from npm, installed as npm installs them: each package's published tarball
(testing/npm/, see SOURCES.md there) unpacked into the project's node_modules, then the
manager's own install code run by node. No network: the tarballs are kept here."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "npm"
HUSKY = HERE / "husky-9.1.7.tgz"
SIMPLE_GIT_HOOKS = HERE / "simple-git-hooks-2.14.0.tgz"


def node() -> str:
    """The node that runs the managers' install code; the tests that need it skip without it
    (CI has it)."""
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed: the npm hook managers' own install code needs it")
    return found


def unpack(tarball: Path, project: Path, name: str) -> Path:
    """The package `tarball` at project/node_modules/NAME (npm's layout: the tarball's
    `package/` folder), as `npm install` puts a package without dependencies."""
    target = project / "node_modules" / name
    target.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if not member.name.startswith("package/") or not member.isfile():
                continue
            member.name = member.name.removeprefix("package/")
            archive.extract(member, target, filter="data")
    return target
