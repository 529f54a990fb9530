"""The OAuth guide's "Link the app in StackOne" section (docs/oauth-helper.md) maps each of StackOne's fields to an output the program really exports, and its commands
name the helper's real subcommands and flags."""

from __future__ import annotations

import re

from kustomer_provider.oauth.cli import build_parser
from tests.support.examples import exported_app_keys
from tests.support.paths import REPO_ROOT

GUIDE = REPO_ROOT / "docs" / "oauth-helper.md"


def section() -> str:
    """The guide's "Link the app in StackOne" section, up to the next section."""
    text = GUIDE.read_text()
    start = text.index("## Link the app in StackOne")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_each_stackone_field_maps_to_an_exported_output_and_a_command() -> None:
    text = section()
    assert text.startswith("## Link the app in StackOne")
    rows = {
        m[1]: (m[2], m[3])
        for m in re.finditer(
            r"^\| (Client ID|Client Secret|Organization Name|Scopes)[^|]* \| `([^`]+)`[^|]* \| `(.+)` \|$", text, re.M
        )
    }
    assert set(rows) == {"Client ID", "Client Secret", "Organization Name", "Scopes"}
    keys = exported_app_keys()
    expected = {
        "Client ID": "clientId",
        "Client Secret": "clientSecret",
        "Organization Name": "orgName",
        "Scopes": "scopes",
    }
    for field, (output, command) in rows.items():
        assert output == f"apps.stackone_link.{expected[field]}" and expected[field] in keys
        assert (
            "pulumi stack output apps --json --show-secrets" in command
            and f".stackone_link.{expected[field]}" in command
        )


def test_the_helper_commands_in_the_doc_parse() -> None:
    parser = build_parser()
    commands = re.findall(r"^python -m kustomer_provider\.oauth (.+?)(?:\s+#.*)?$", section(), re.M)
    assert len(commands) >= 5
    for command in commands:
        args = parser.parse_args(command.split())
        assert args.command in {"login", "refresh", "verify", "stackone"}
        assert args.from_stack == "stackone_link"
