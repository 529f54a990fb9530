"""The figures the docs state about the repository agree with it (``scripts/doc-figures``).

A figure such as the number of Hypothesis properties is written ``<!-- fig:NAME -->VALUE<!-- /fig -->`` in
README.md and docs/*.md; the script recomputes each from the repository and lists every one a doc gets wrong.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "doc-figures"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_the_docs_state_the_repositorys_figures() -> None:
    checked = run()
    assert checked.returncode == 0, f"the docs disagree with the repository:\n{checked.stdout}{checked.stderr}"
    stated = "\n".join(p.read_text() for p in [REPO_ROOT / "README.md", *(REPO_ROOT / "docs").glob("*.md")])
    listed = dict(line.split(": ", 1) for line in run("--list").stdout.splitlines())
    for name, value in listed.items():
        assert f"<!-- fig:{name} -->{value}<!-- /fig -->" in stated, f"no doc states {name}"


def test_a_wrong_or_unknown_figure_is_reported_and_written_right(tmp_path: Path) -> None:
    listed = dict(line.split(": ", 1) for line in run("--list").stdout.splitlines())
    page = tmp_path / "page.md"
    page.write_text(
        "We have <!-- fig:hypothesis-properties -->2<!-- /fig --> properties\n"
        "and <!-- fig:no-such-figure -->7<!-- /fig --> of something.\n"
    )

    checked = run(str(page))

    assert checked.returncode == 1
    assert f"page.md:1: hypothesis-properties is '2', the repository gives {listed['hypothesis-properties']!r}" in (
        checked.stdout
    )
    assert "page.md:2: no figure named 'no-such-figure'" in checked.stdout
    run("--write", str(page))
    assert f"<!-- fig:hypothesis-properties -->{listed['hypothesis-properties']}<!-- /fig -->" in page.read_text()
