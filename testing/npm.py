"""Hook managers from npm, installed as npm installs them: each package's published tarball
(testing/npm/, see SOURCES.md there) unpacked into the project's node_modules, then the
manager's own install code run by node. No network: the tarballs are kept here."""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "npm"
HUSKY = HERE / "husky-9.1.7.tgz"
SIMPLE_GIT_HOOKS = HERE / "simple-git-hooks-2.14.0.tgz"
# husky 4.3.8 and its dependencies, one tarball each (npm's tree for it is flat).
HUSKY_4 = HERE / "husky-4"


def node() -> str:
    """The node that runs the managers' install code; the tests that need it skip without it
    (CI has it)."""
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed: the npm hook managers' own install code needs it")
    return found


def unpack(tarball: Path, project: Path, name: str) -> Path:
    """The package `tarball` at project/node_modules/NAME, as `npm install` puts a package:
    the tarball's top folder (`package/` for most) stripped."""
    target = project / "node_modules" / name
    target.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if "/" not in member.name or not member.isfile():
                continue
            member.name = member.name.split("/", 1)[1]
            archive.extract(member, target, filter="data")
    _link_bins(target, project / "node_modules" / ".bin")
    return target


def _link_bins(package: Path, bins: Path) -> None:
    """node_modules/.bin/COMMAND for each command the package.json's "bin" names, as npm
    links them (husky 4's hooks run `npx --no-install husky-run`)."""
    meta = json.loads((package / "package.json").read_text())
    declared = meta.get("bin") or {}
    if isinstance(declared, str):
        declared = {meta["name"].rsplit("/", 1)[-1]: declared}
    for command, script in declared.items():
        bins.mkdir(parents=True, exist_ok=True)
        (package / script).chmod(0o755)
        (bins / command).symlink_to(os.path.relpath(package / script, bins))


def unpack_tree(folder: Path, project: Path) -> None:
    """Every tarball in `folder` at project/node_modules/NAME (the name its package.json
    gives): npm's hoisted layout for a tree without two versions of a package."""
    for tarball in sorted(folder.glob("*.tgz")):
        with tarfile.open(tarball) as archive:
            member = next(
                m
                for m in archive.getmembers()
                if m.name.count("/") == 1 and m.name.endswith("/package.json")
            )
            extracted = archive.extractfile(member)
            assert extracted is not None
            name = json.load(extracted)["name"]
        unpack(tarball, project, name)
