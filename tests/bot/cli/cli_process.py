"""The real `milestone-bot` process for the store and settings tests: a hang is a failure, not a stuck suite."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.paths import ROOT

HANG_SECONDS = 30


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[int | None, str, str]:
    """Exit code (None if the process hung and was killed), stdout, stderr."""
    # No back-fill on `programs add`: it would ask the real ClinicalTrials.gov (tests that want it turn it on).
    full_env = {**os.environ, "SEED_DEFAULTS": "false", "ONBOARDING_BACKFILL": "false", **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args], env=full_env, cwd=cwd or ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        out, err = proc.communicate(timeout=HANG_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return None, out, err
    return proc.returncode, out, err


def one_line(err: str) -> str:
    """The single stderr line a refusal prints (asserted to be exactly one, without a traceback)."""
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make files and directories read-only for this process: by mode bits, and for root (whom mode bits do not
    stop) by the immutable attribute. Skips when neither holds on this filesystem."""
    chattr = shutil.which("chattr") if os.geteuid() == 0 else None
    modes = {p: p.stat().st_mode for p in paths}
    for p in paths:
        p.chmod(stat.S_IMODE(modes[p]) & ~0o222)
        if chattr:
            subprocess.run([chattr, "+i", str(p)], capture_output=True, check=False)
    try:
        probe = next(p for p in paths if p.is_dir()) / "probe" if any(p.is_dir() for p in paths) else None
        try:
            if probe is not None:
                probe.touch()
                probe.unlink()
                pytest.skip("cannot make a directory read-only here")
        except OSError:
            pass
        yield
    finally:
        for p in paths:
            if chattr:
                subprocess.run([chattr, "-i", str(p)], capture_output=True, check=False)
            p.chmod(stat.S_IMODE(modes[p]))
