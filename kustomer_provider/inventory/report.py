"""The inventory: the org's private apps side by side with what the stacks hold, and the findings, most serious first.

Findings, in this order (``docs/inventory.md`` explains each):

1. **unmanaged** apps, no stack holds them: first those whose declared roles are broad (:func:`broad_roles`);
2. **conflict**: two or more stacks hold one app;
3. **drift**: a stack's version or client id differs from what the org has installed; a version installed that
   no stack declares; a stack holding an app the org no longer has;
4. **rotation**: a secret past its ``rotate_at`` (``created_at`` + ``rotate_after_days``), a secret a refresh found
   revoked, a secret the token endpoint refuses (``--check-secrets``), another platform's client past its date.

The report is a pydantic model; :meth:`Report.as_json` is the ``--json`` output, whose schema is
``docs/inventory.schema.json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from .exports import HeldApp, HeldClient, HeldSecret, StackHoldings
from .org import OrgApp

__all__ = [
    "FINDING_KINDS",
    "SCHEMA_ID",
    "AppEntry",
    "Finding",
    "Holder",
    "Report",
    "SecretEntry",
    "StackEntry",
    "broad_roles",
    "build_report",
    "probe_targets",
]

#: The ``schema`` value of the JSON output; bumped on any incompatible change of its shape.
SCHEMA_ID: Final = "kustomer-inventory/1"
#: The finding classes, most serious first: also the values ``--fail-on`` takes.
FINDING_KINDS: Final = ("unmanaged", "conflict", "drift", "rotation")
FindingKind = Literal["unmanaged", "conflict", "drift", "rotation"]
Severity = Literal["high", "medium", "low"]
#: Roles that only read: a role ending in one of these is narrow.
_READ_SUFFIXES: Final = (".read",)
#: OAuth scopes that are not roles and grant nothing by themselves.
_NOT_ROLES: Final = frozenset({"offline_access", "openid"})
#: A read-only app declaring more roles than this reads too much of the org to be narrow.
MAX_NARROW_ROLES: Final = 10
_ADMIN: Final = re.compile(r"(^|\.)admin(\.|$)")


def broad_roles(roles: Iterable[str]) -> list[str]:
    """The roles that make an app broad: any that can write or administer, or a read-everything set.

    A role is broad when it is an admin role (``org.admin.*``), holds a wildcard (``*``), or does not end in
    ``.read`` (``org.permission.apps``, ``org.permission.message.create``: it writes). An app declaring more than
    :data:`MAX_NARROW_ROLES` read roles is broad too (then all of them are returned). ``offline_access`` and
    ``openid`` are scopes, not roles. This reading is ours: Kustomer documents role strings, not their reach.
    """
    listed = [r for r in roles if r not in _NOT_ROLES]
    broad = [r for r in listed if "*" in r or _ADMIN.search(r) or not r.endswith(_READ_SUFFIXES)]
    if not broad and len(listed) > MAX_NARROW_ROLES:
        return listed
    return broad


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class StackEntry(_Model):
    """A stack read from an export: its project and name (from the resources' URNs), and where it came from."""

    project: str
    stack: str
    source: str


class Holder(_Model):
    """A stack's ``KustomerPrivateApp`` of an app: the version and client id it declares."""

    project: str
    stack: str
    urn: str
    version: str | None
    client_id: str | None


class SecretEntry(_Model):
    """A stack's ``KustomerAppSecret`` of an app: never the secret, its fingerprint and dates."""

    project: str
    stack: str
    urn: str
    fingerprint: str | None
    created_at: str | None
    rotate_at: str | None
    #: ``live``/``revoked`` as the state last saw it, ``dead``/``live``/``unknown`` when checked now, or
    #: ``unchecked`` when ``--check-secrets`` found no secret in the clear in the export.
    status: str | None


class AppEntry(_Model):
    """One private app of the org."""

    name: str
    app: str
    title: str | None
    client_id: str | None
    versions: list[str]
    latest_version: str
    installed_version: str | None
    install_status: str | None
    install_error: str | None
    scopes: list[str]
    broad_scopes: list[str]
    redirect_uris: list[str]
    managed_by: list[Holder]
    secrets: list[SecretEntry]


class Finding(_Model):
    """One thing to act on."""

    kind: FindingKind
    severity: Severity
    app: str | None
    stacks: list[str]
    message: str


class Report(_Model):
    """Everything the inventory found."""

    schema_id: str = SCHEMA_ID
    generated_at: str
    org: str | None
    base_url: str
    stacks: list[StackEntry]
    apps: list[AppEntry]
    findings: list[Finding]

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` output: camelCase keys, ``schema`` first."""
        data = self.model_dump(by_alias=True, mode="json")
        return {"schema": data.pop("schemaId"), **data}

    def kinds(self) -> set[str]:
        """The finding classes present."""
        return {finding.kind for finding in self.findings}


# -- building it ---------------------------------------------------------------------------------------------------

_KIND_RANK: Final = {kind: index + 1 for index, kind in enumerate(FINDING_KINDS)}


def _rank(finding: Finding) -> tuple[int, int, str, str]:
    severity = {"high": 0, "medium": 1, "low": 2}[finding.severity]
    return (_KIND_RANK[finding.kind], severity, finding.app or "", finding.message)


def _stack_label(project: str, stack: str, projects_per_stack: dict[str, set[str]]) -> str:
    """The stack's name, or ``project/stack`` where two projects have a stack of that name."""
    return f"{project}/{stack}" if len(projects_per_stack.get(stack, ())) > 1 else stack


def _moment(text: str | None) -> datetime | None:
    """A timestamp or a date of the state (``2026-11-23T21:53:36Z``, ``2027-01-01``), UTC; ``None`` if unreadable."""
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _due_at(secret: HeldSecret) -> datetime | None:
    due = _moment(secret.rotate_at)
    if due is None and secret.rotate_after_days is not None and (created := _moment(secret.created_at)):
        due = created + timedelta(days=secret.rotate_after_days)
    return due


def build_report(
    *,
    org_apps: Sequence[OrgApp],
    holdings: Sequence[StackHoldings],
    org: str | None,
    base_url: str,
    now: datetime,
    secret_verdicts: dict[str, str] | None = None,
    shown: Callable[[str], str] = str,
) -> Report:
    """Put the org and the stacks side by side.

    ``secret_verdicts``: per secret resource URN, what ``--check-secrets`` found (``live``, ``dead``, ``unknown``,
    ``unchecked``). ``shown`` makes text from the server or a file safe to print (the one sanitizer).
    """
    verdicts = secret_verdicts or {}
    stack_entries: dict[tuple[str, str], StackEntry] = {}
    projects_per_stack: dict[str, set[str]] = {}
    for holding in holdings:
        for project, stack in holding.stacks:
            stack_entries.setdefault((project, stack), StackEntry(project=project, stack=stack, source=holding.source))
            projects_per_stack.setdefault(stack, set()).add(project)

    def label(project: str, stack: str) -> str:
        return shown(_stack_label(project, stack, projects_per_stack))

    held_apps: dict[str, dict[tuple[str, str], HeldApp]] = {}
    held_secrets: dict[str, list[HeldSecret]] = {}
    clients: list[HeldClient] = []
    for holding in holdings:
        for held in holding.apps:
            if held.app_name:
                # The same stack given twice (two exports of it) holds the app once.
                held_apps.setdefault(held.app_name, {})[(held.project, held.stack)] = held
        for secret in holding.secrets:
            if secret.app_name:
                known = held_secrets.setdefault(secret.app_name, [])
                if all(s.urn != secret.urn or s.stack != secret.stack for s in known):
                    known.append(secret)
        clients.extend(holding.clients)

    findings: list[Finding] = []
    entries: list[AppEntry] = []
    org_names = {app.name for app in org_apps}
    for app in org_apps:
        holders = held_apps.get(app.name, {})
        installed = app.installed
        installed_version = installed.version if installed is not None else None
        roles = app.roles
        broad = broad_roles(roles)
        name = shown(app.name)
        secrets = [
            SecretEntry(
                project=shown(s.project),
                stack=label(s.project, s.stack),
                urn=shown(s.urn),
                fingerprint=shown(s.fingerprint) if s.fingerprint else None,
                created_at=shown(s.created_at) if s.created_at else None,
                rotate_at=shown(s.rotate_at) if s.rotate_at else None,
                status=verdicts.get(s.urn) or (shown(s.secret_status) if s.secret_status else None),
            )
            for s in held_secrets.get(app.name, [])
        ]
        entries.append(
            AppEntry(
                name=name,
                app=shown(app.bare_name),
                title=shown(str(app.shown.attributes["title"])) if app.shown.attributes.get("title") else None,
                client_id=shown(app.client_id) if app.client_id else None,
                versions=[shown(v.version) for v in app.versions],
                latest_version=shown(app.latest.version),
                installed_version=shown(installed_version) if installed_version else None,
                install_status=shown(installed.status) if installed is not None and installed.status else None,
                install_error=shown(installed.error) if installed is not None and installed.error else None,
                scopes=[shown(r) for r in roles],
                broad_scopes=[shown(r) for r in broad],
                redirect_uris=[shown(str(u)) for u in app.shown.redirect_uris],
                managed_by=[
                    Holder(
                        project=shown(h.project),
                        stack=label(h.project, h.stack),
                        urn=shown(h.urn),
                        version=shown(h.version) if h.version else None,
                        client_id=shown(h.client_id) if h.client_id else None,
                    )
                    for h in holders.values()
                ],
                secrets=secrets,
            )
        )
        stacks = sorted(label(p, s) for p, s in holders)
        if not holders:
            if broad:
                message = (
                    f"{name}: no stack holds it, and it declares broad roles ({', '.join(shown(r) for r in broad)}). "
                    f"Adopt it (--adopt {shown(app.bare_name)}) or retire it in Kustomer."
                )
            else:
                message = f"{name}: no stack holds it. Adopt it (--adopt {shown(app.bare_name)}) or retire it."
            findings.append(
                Finding(kind="unmanaged", severity="high" if broad else "medium", app=name, stacks=[], message=message)
            )
            continue
        if len(holders) > 1:
            findings.append(
                Finding(
                    kind="conflict",
                    severity="high",
                    app=name,
                    stacks=stacks,
                    message=(
                        f"{name} is held by {len(holders)} stacks ({', '.join(stacks)}): each `up` of one may undo "
                        "the other's version, and each mints its own secret, revoking the other's. Keep it in one "
                        "stack (`pulumi state delete <urn>` in the others)."
                    ),
                )
            )
        declared = {h.version for h in holders.values() if h.version}
        for (project, stack), held in sorted(holders.items()):
            where = label(project, stack)
            problems = []
            if held.version and installed_version and held.version != installed_version:
                problems.append(
                    f"declares version {shown(held.version)}, the org has {shown(installed_version)} installed"
                )
            if held.version and not installed_version:
                problems.append(f"declares version {shown(held.version)}, the org has no version installed")
            if held.client_id and app.client_id and held.client_id != app.client_id:
                problems.append(f"holds client id {shown(held.client_id)}, the org's is {shown(app.client_id)}")
            if problems:
                findings.append(
                    Finding(
                        kind="drift",
                        severity="medium",
                        app=name,
                        stacks=[where],
                        message=f"{name} in stack {where}: " + "; ".join(problems) + ". Run `pulumi refresh`, then "
                        "set the version the stack should have.",
                    )
                )
        if installed_version and installed_version not in declared and len(holders) > 1:
            findings.append(
                Finding(
                    kind="drift",
                    severity="medium",
                    app=name,
                    stacks=stacks,
                    message=f"{name}: version {shown(installed_version)} is installed, and no stack declares it.",
                )
            )
        for secret in held_secrets.get(app.name, []):
            findings += _rotation_findings(secret, name, label(secret.project, secret.stack), now, verdicts, shown)
    for app_name, holders in sorted(held_apps.items()):
        if app_name in org_names:
            continue
        stacks = sorted(label(p, s) for p, s in holders)
        findings.append(
            Finding(
                kind="drift",
                severity="medium",
                app=shown(app_name),
                stacks=stacks,
                message=(
                    f"{shown(app_name)}: stack {', '.join(stacks)} holds it, and the org has no such private app "
                    "(deleted outside Pulumi, or another org). `pulumi refresh` drops it from the state; `up` "
                    "registers it again."
                ),
            )
        )
    for app_name, orphans in sorted(held_secrets.items()):
        if app_name not in org_names:
            for secret in orphans:
                findings += _rotation_findings(
                    secret, shown(app_name), label(secret.project, secret.stack), now, verdicts, shown
                )
    for client in clients:
        due = _moment(client.rotate_at)
        if due is not None and due <= now:
            what = f"{shown(client.platform or '?')} client {shown(client.client_id or '?')}"
            findings.append(
                Finding(
                    kind="rotation",
                    severity="low",
                    app=None,
                    stacks=[label(client.project, client.stack)],
                    message=(
                        f"{what} in stack {label(client.project, client.stack)}: its secret is due for rotation since "
                        f"{shown(client.rotate_at or '')}. Rotate it in the platform's dashboard and set the new one."
                    ),
                )
            )
    findings.sort(key=_rank)
    return Report(
        generated_at=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        org=shown(org) if org else None,
        base_url=shown(base_url),
        stacks=sorted(stack_entries.values(), key=lambda s: (s.stack, s.project)),
        apps=entries,
        findings=findings,
    )


def _rotation_findings(
    secret: HeldSecret, name: str, where: str, now: datetime, verdicts: dict[str, str], shown: Callable[[str], str]
) -> list[Finding]:
    which = f"secret {shown(secret.fingerprint)}" if secret.fingerprint else "its secret"
    found = []
    due = _due_at(secret)
    if due is not None and due <= now:
        found.append(
            f"{which} is past its rotation date ({due.strftime('%Y-%m-%dT%H:%M:%SZ')}); the next `pulumi up` of "
            f"stack {where} mints a new one"
        )
    verdict = verdicts.get(secret.urn)
    if verdict == "dead":
        found.append(f"the token endpoint refuses {which}: `pulumi up` of stack {where} mints a new one")
    elif verdict is None and secret.secret_status == "revoked":  # noqa: S105 (a status)
        found.append(f"a refresh found {which} refused by the token endpoint; the next `pulumi up` mints a new one")
    return [
        Finding(kind="rotation", severity="high" if "refuse" in text else "low", app=name, stacks=[where],
                message=f"{name} in stack {where}: {text}.")
        for text in found
    ]  # fmt: skip


def probe_targets(holdings: Sequence[StackHoldings]) -> list[HeldSecret]:
    """The secrets ``--check-secrets`` can check: those the export shows in the clear, each once."""
    seen: set[str] = set()
    targets = []
    for holding in holdings:
        for secret in holding.secrets:
            if secret.plaintext is not None and secret.client_id and secret.urn not in seen:
                seen.add(secret.urn)
                targets.append(secret)
    return targets
