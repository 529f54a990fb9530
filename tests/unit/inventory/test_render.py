"""The table fits the width whatever the server says, and prints no control character."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from kustomer_provider.answers import AvailableApp, InstalledApp
from kustomer_provider.inventory import build_report
from kustomer_provider.inventory.org import group_apps
from kustomer_provider.inventory.render import outside_text, render_table


def _app(name: str, title: str, uris: list[str]) -> AvailableApp:
    attributes = {"name": name, "version": "1.0.0", "title": title, "redirectUris": uris, "visibility": "private"}
    return AvailableApp.from_resource({"id": f"{name}-1.0.0", "attributes": attributes})


#: The Unicode categories safe_text escapes (as the helper's and the errors' properties check them).
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@given(title=st.text(max_size=300), name=st.text(min_size=1, max_size=120), width=st.integers(20, 200))
def test_the_table_fits_any_width_whatever_the_server_says(title: str, name: str, width: int) -> None:
    apps = group_apps([_app(name, title, [title])], [InstalledApp(name=name, version="1.0.0", status=title)])
    report = build_report(
        org_apps=apps, holdings=[], org=None, base_url="http://127.0.0.1:1", now=datetime.now(UTC), shown=outside_text
    )
    text = render_table(report, width=width, details=False)
    assert all(len(line) <= max(width, 60) for line in text.splitlines())
    # No character the sanitizer must escape (control, format, surrogate, private-use, unassigned, line and
    # paragraph separators); a no-break space is a visible space, and stays.
    assert not any(unicodedata.category(c) in INVISIBLE for line in text.splitlines() for c in line)
    detailed = render_table(report, width=width, details=True)
    assert "\x1b" not in detailed and "\r" not in detailed
