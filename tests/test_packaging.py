"""The installed `cx` (pip install -e .) has every command, run from outside the source tree: a
package missing from pyproject's list works in the tests (pytest puts the tree on the path) and
fails for the person who runs `cx alerts` from cron."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CX = Path(sys.executable).with_name("cx")
COMMANDS = [
    "demo", "ingest", "profiles", "build", "metrics", "alerts", "inbox", "board-pack",
    "forget", "retention", "voc",
]  # fmt: skip


@pytest.mark.skipif(not CX.exists(), reason="cx is not installed beside this Python")
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_runs_from_the_installed_package(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(CX), command, "--help"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Usage" in done.stdout
