"""Where things are: the repository's root and the Pulumi programs the harness runs in tests."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
#: This repository's program, which the dev stack runs.
DEV_PROGRAM = REPO_ROOT / "__main__.py"
#: A program that declares the resources straight from ``kustomer:testApps`` (no defaults of the real one).
RAW_PROGRAM = REPO_ROOT / "tests" / "programs" / "raw_resources.py"
#: One app and its secret, the secret's name and aliases from the config (the claims of docs/state.md).
ONE_APP_PROGRAM = REPO_ROOT / "tests" / "programs" / "one_app.py"
