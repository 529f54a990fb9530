"""The inventory for people: a table that fits the terminal, then the findings, most serious first.

Every text that comes from outside (the server's answers, the export files) passes :func:`outside_text` once,
when the report is built (``build_report(shown=outside_text)``): the one place where such text is made safe to
print.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Final

from ..safe_text import safe_text
from .report import FINDING_KINDS, AppEntry, Report

__all__ = ["MIN_WIDTH", "outside_text", "render_table"]

#: The narrowest layout; below it lines wrap in the terminal.
MIN_WIDTH: Final = 60
#: Columns when the terminal is 120 wide or more.
WIDE: Final = 120


def outside_text(text: str) -> str:
    """Text from the server or a file, safe to print: the package's one sanitizer
    (:func:`~kustomer_provider.safe_text.safe_text`: redacted, invisible characters escaped, capped)."""
    return safe_text(text)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _state(app: AppEntry) -> str:
    if app.installed_version:
        status = app.install_status or "?"
        return app.installed_version if status == "installed" else f"{app.installed_version} {status}"
    return app.install_status or "not installed"


def _flags(app: AppEntry, report: Report) -> str:
    found = {f.kind for f in report.findings if f.app == app.name}
    kinds: list[str] = [kind for kind in FINDING_KINDS if kind in found]
    if "unmanaged" in kinds and app.broad_scopes:
        kinds[kinds.index("unmanaged")] = "UNMANAGED+BROAD"
    return ",".join(kinds) or "ok"


def _columns(width: int) -> list[tuple[str, int]]:
    """(heading, width) of each column; the app name takes what is left."""
    if width >= WIDE:
        fixed = [("INSTALLED", 16), ("LATEST", 10), ("VERS", 4), ("CLIENT ID", 24), ("STACKS", 18), ("FLAGS", 18)]
    else:
        fixed = [("INSTALLED", 12), ("VERS", 4), ("STACKS", 14), ("FLAGS", 16)]
    used = sum(w for _, w in fixed) + len(fixed)  # one space between columns
    return [("APP", max(12, width - used)), *fixed]


def _row(cells: Sequence[str], columns: Sequence[tuple[str, int]]) -> str:
    return " ".join(_cut(c, w).ljust(w) for c, (_, w) in zip(cells, columns, strict=True)).rstrip()


def render_table(report: Report, *, width: int = 80, details: bool = False) -> str:
    """The report as text ``width`` columns wide (at least :data:`MIN_WIDTH`)."""
    width = max(MIN_WIDTH, width)
    columns = _columns(width)
    wide = width >= WIDE
    lines = []
    where = report.org or report.base_url
    stacks = ", ".join(s.stack for s in report.stacks) or "none given"
    lines += textwrap.wrap(f"Kustomer org {where}: {len(report.apps)} private apps. Stacks: {stacks}.", width)
    lines.append("")
    lines.append(_row([h for h, _ in columns], columns))
    for app in report.apps:
        holders = ",".join(h.stack for h in app.managed_by) or "-"
        cells = [app.name, _state(app)]
        if wide:
            cells += [app.latest_version, str(len(app.versions)), app.client_id or "-"]
        else:
            cells += [str(len(app.versions))]
        cells += [holders, _flags(app, report)]
        lines.append(_row(cells, columns))
    lines.append("")
    if report.findings:
        lines.append(f"Findings, most serious first ({len(report.findings)}):")
        for finding in report.findings:
            head = f"[{finding.kind} {finding.severity}] "
            lines += textwrap.wrap(finding.message, width, initial_indent=head, subsequent_indent="    ")
    else:
        lines.append("No findings: every app is held by exactly one stack, as the org has it.")
    if details:
        for app in report.apps:
            lines.append("")
            lines += _details(app, width)
    return "\n".join(lines) + "\n"


def _details(app: AppEntry, width: int) -> list[str]:
    def field(name: str, value: str) -> list[str]:
        return textwrap.wrap(f"{name}: {value}", width, initial_indent="  ", subsequent_indent="      ") or [""]

    lines = [_cut(f"{app.name} ({app.title or 'no title'})", width)]
    lines += field("versions", ", ".join(app.versions))
    lines += field("installed", _state(app) + (f" ({app.install_error})" if app.install_error else ""))
    lines += field("client id", app.client_id or "-")
    lines += field("scopes", ", ".join(app.scopes) or "none declared")
    lines += field("redirect URIs", ", ".join(app.redirect_uris) or "none")
    for holder in app.managed_by:
        lines += field("held by", f"{holder.stack} (version {holder.version or '?'}, {holder.urn})")
    for secret in app.secrets:
        lines += field(
            "secret",
            f"{secret.fingerprint or '?'} in {secret.stack}, minted {secret.created_at or '?'}, rotate at "
            f"{secret.rotate_at or 'never'}, status {secret.status or '?'}",
        )
    return lines
