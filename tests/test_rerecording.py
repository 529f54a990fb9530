"""``scripts/record-cassettes`` re-records the committed cassettes exactly.

The script records ``tests/recorded`` against a fresh simulator into a scratch folder, replays them from there
with no server, and only then writes them out (here into a temporary folder, with ``--into``). A recording is
deterministic (``tests/support/recording.py`` says what it fixes), so the result must equal the committed
cassettes: the same files, the same interactions. The one thing allowed to differ is the package version in the
``User-Agent`` header, which changes with every release and is never matched on replay.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.support.paths import REPO_ROOT
from tests.support.recording import CASSETTES

SCRIPT = REPO_ROOT / "scripts" / "record-cassettes"
_USER_AGENT_VERSION = re.compile(r"^kustomer-pulumi/\S+")


def normalised(path: Path) -> Any:
    """A cassette with the client's version taken out of its User-Agent headers."""
    cassette = json.loads(path.read_text())
    for interaction in cassette["interactions"]:
        headers = interaction["request"]["headers"]
        for name in headers:
            if name.lower() == "user-agent":
                headers[name] = [_USER_AGENT_VERSION.sub("kustomer-pulumi/<version>", v) for v in headers[name]]
    return cassette


def cassettes_in(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*.json"))}


def test_recording_again_gives_the_committed_cassettes(tmp_path: Path) -> None:
    into = tmp_path / "cassettes"
    completed = subprocess.run(
        [str(SCRIPT), "--into", str(into)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert completed.returncode == 0, f"{completed.stdout}\n{completed.stderr}"
    recorded, committed = cassettes_in(into), cassettes_in(CASSETTES)
    assert sorted(recorded) == sorted(committed), "re-recording gives other cassette files than the committed ones"
    differing = [name for name in committed if normalised(recorded[name]) != normalised(committed[name])]
    assert differing == [], f"re-recorded cassettes differ from the committed ones: {differing}"
