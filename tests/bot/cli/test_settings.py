"""Settings that cannot work are refused at start: one line naming the variable, exit 2, nothing opened."""
from __future__ import annotations

from pathlib import Path

from tests.bot.cli.cli_process import cli, one_line

BAD = [
    ("POLL_INTERVAL_SECONDS", "inf"),
    ("POLL_INTERVAL_SECONDS", "1e308"),
    ("POLL_INTERVAL_SECONDS", "nan"),
    ("DELIVERY_INTERVAL_SECONDS", "inf"),
    ("DELIVERY_INTERVAL_SECONDS", "nan"),
    ("HTTP_TIMEOUT_SECONDS", "nan"),
    ("DISCORD_READY_TIMEOUT_SECONDS", "1e308"),
    ("POLL_JITTER_FRACTION", "nan"),
    ("DATABASE_URL", ""),
    ("DATABASE_URL", "   "),
    ("OPENFDA_BASE_URL", "file:///etc/passwd"),
    ("EDGAR_BASE_URL", "ftp://www.sec.gov"),
    ("CTGOV_BASE_URL", "ftp://clinicaltrials.gov/api/v2"),
    ("DISCORD_API_BASE", "file:///tmp/discord"),
    ("SLACK_API_BASE", "http://"),
]


def test_values_that_would_crash_later_are_refused_at_start(tmp_path: Path) -> None:
    accepted = []
    for name, value in BAD:
        # `run` is the command these crashed; with a good value it would keep running, so a refusal exits at once.
        code, _, err = cli("run", env={name: value, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                                       **({name: value} if name == "DATABASE_URL" else {})}, cwd=tmp_path)
        if code != 2 or "Traceback" in err or len(err.splitlines()) != 1:
            accepted.append(f"{name}={value!r}: exit {code}, {err.strip().splitlines()[-1:] }")
            continue
        assert one_line(err).startswith(f"milestone-bot: invalid setting {name}: ")
    assert accepted == []
    assert not (tmp_path / "x.db").exists()


def test_unsupported_database_url_exits_2(tmp_path: Path) -> None:
    code, _, err = cli("feeds", "list", env={"DATABASE_URL": "mysql://db.example/bot"}, cwd=tmp_path)
    assert code == 2, err
    assert one_line(err).startswith("milestone-bot: invalid setting DATABASE_URL: ")


def test_env_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"USER_AGENT=caf\xe9 bot (contact: me@example.org)\n")
    code, _, err = cli("feeds", "list", "--db", str(tmp_path / "x.db"), cwd=tmp_path)
    assert code == 2, err
    line = one_line(err)
    assert line.startswith("milestone-bot: ") and ".env" in line and "UTF-8" in line
