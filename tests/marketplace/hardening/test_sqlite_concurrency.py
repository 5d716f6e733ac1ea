"""Finding 6: SQLite, the embedded default, answered 500 ("database is locked") to five of six
simultaneous proposals, where PostgreSQL answered 409s. WAL, a busy timeout and immediate
transactions make the second writer wait, then see the first's proposal."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO


def test_six_simultaneous_proposals_on_a_file_sqlite_database_give_one_201_and_five_409(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}  # fmt: skip

    run = subprocess.run(
        [sys.executable, "-m", "tests.marketplace.hardening.sqlite_race", "6"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome == {"statuses": [201, 409, 409, 409, 409, 409], "proposals": 1, "journal_mode": "wal"}
