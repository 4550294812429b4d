"""`triage templates check`: the service's own validation, from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from service.replies.templates import DEFAULT_TEMPLATES


def triage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_check_lists_a_valid_file_and_names_the_bad_template(tmp_path: Path) -> None:
    shipped = triage("templates", "check")
    assert shipped.returncode == 0, shipped.stderr
    assert shipped.stdout.splitlines()[-1] == (
        f"{DEFAULT_TEMPLATES}: 13 template(s), version replies.v1, valid"
    )
    assert "escalation-note-default          escalation_note  always" in shipped.stdout

    data = json.loads(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    data["templates"][5]["subject"] = "{{ ticket }}"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    refused = triage("templates", "check", str(bad))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith(f"error: invalid reply templates {bad}: ")
    assert "templates[5] ('outreach-service-issue').subject: Value error, unknown fields" in (
        refused.stderr
    )
    # With no argument, TRIAGE_REPLY_TEMPLATES names the file, as for the service.
    configured = triage("templates", "check", env={"TRIAGE_REPLY_TEMPLATES": str(bad)})
    assert configured.returncode == 2 and str(bad) in configured.stderr
    missing = triage("templates", "check", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "not found" in missing.stderr
