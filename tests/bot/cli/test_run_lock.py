"""One `milestone-bot run` per SQLite store: a second one refuses to start; a killed one does not block the next."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.bot.cli.cli_process import cli, one_line
from tests.support.paths import ROOT


def start_run(db: Path) -> subprocess.Popen[str]:
    """`run` on an empty store (console sink), returned once it says it is running."""
    env = {**os.environ, "SEED_DEFAULTS": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--db", str(db)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "milestone-bot running" in line:
            return proc
    raise AssertionError(f"run exited with {proc.wait()} before it was running")


def test_second_run_on_the_same_store_refuses_to_start(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    first = start_run(db)
    try:
        code, _, err = cli("run", "--db", str(db))
        assert code == 1, f"hung or wrong exit ({code}): {err}"
        line = one_line(err)
        assert line.startswith(f"milestone-bot: store {db}: ") and f"pid {first.pid}" in line, line
        # Other commands still use the store beside the running bot.
        assert cli("feeds", "list", "--db", str(db))[0] == 0
    finally:
        first.kill()
        first.wait()
    # Killed without a chance to clean up: the lock went with the process.
    again = start_run(db)
    again.send_signal(signal.SIGTERM)
    assert again.wait(timeout=30) == 0
