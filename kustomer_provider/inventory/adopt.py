"""``--adopt APP``: the stack config item and the Python code that take an unmanaged app over as it is in the org.

Both declare the app's installed version (else its newest, with ``install`` off) with exactly its registered
definition and adoption on, and no client secret: the next ``pulumi up`` then lists the org's versions and
installs, finds this version registered with this definition and installed, and sends nothing that writes (no
register, no install, no mint). The item is judged by the stack config's own model before it is printed, so
what is printed is what ``kustomer:apps`` accepts.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass
from typing import Any, Final

from ..app_inputs import definition_values
from ..errors import KustomerConfigError
from ..input_validation import validate_inputs
from ..stack_config import AppConfig
from .org import OrgApp

__all__ = ["Adoption", "adoption_for", "find_app"]

#: What a user must know about the secret of an adopted app.
SECRET_ADVICE: Final = (
    "Its client secret: Kustomer shows a secret once, when it is minted, and has no API to read it back, so no "  # noqa: S105
    "stack can hold the secret in use. With mintSecret: false (no KustomerAppSecret in Python) the next `up` mints "
    "nothing and that secret keeps working: keep using it where it is kept today. To have the stack hold a secret "
    "instead, set mintSecret: true later (with rotateAfterDays if you want scheduled rotation): that `up` mints a new "
    "secret, which revokes the one in use (the simulator revokes it; Kustomer does not document whether it does), so "
    "give the new one (stack output apps.<app>.clientSecret) to every consumer at once."
)


@dataclass(frozen=True)
class Adoption:
    """The item of ``kustomer:apps`` (camelCase, as in the stack file) and the Python code, for one app."""

    app_name: str
    version: str
    installed: bool
    item: dict[str, Any]
    python: str

    def as_json(self) -> dict[str, Any]:
        return {
            "appName": self.app_name,
            "version": self.version,
            "installed": self.installed,
            "item": self.item,
            "python": self.python,
            "secret": SECRET_ADVICE,
        }

    def as_text(self) -> str:
        import yaml  # PyYAML comes with pulumi; loaded only here

        block = yaml.safe_dump({"kustomer:apps": [self.item]}, sort_keys=False, allow_unicode=False, width=1000)
        state = "installed" if self.installed else "registered (no version is installed; install stays off)"
        return (
            f"# {self.app_name}: version {self.version} {state}, declared as it is in the org, adoption on.\n"
            "# 1. In the stack's config file (stacks/Pulumi.<stack>.yaml, under config:), add this item to\n"
            "#    kustomer:apps (keep the stack's other items):\n"
            f"{block}"
            "# 2. Or, in a Pulumi program of your own:\n"
            f"{self.python}"
            "# The next `pulumi up` registers nothing, installs nothing and mints nothing for this app.\n"
            + "".join(f"# {line}\n" for line in _wrap(SECRET_ADVICE, 110))
        )


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width)


def find_app(org_apps: list[OrgApp], wanted: str) -> OrgApp:
    """The app named ``wanted`` (bare or namespaced); :class:`KustomerConfigError` naming the choices otherwise."""
    for app in org_apps:
        if wanted in (app.name, app.bare_name):
            return app
    names = ", ".join(app.bare_name for app in org_apps[:20]) or "none"
    raise KustomerConfigError(f"--adopt {wanted}: the org has no private app of that name (its apps: {names})")


def _python_name(app: str) -> str:
    name = re.sub(r"\W", "_", app)
    return f"{name}_app" if keyword.iskeyword(name) or not name.isidentifier() else name


def _python(values: dict[str, Any], resource_name: str) -> str:
    variable = _python_name(resource_name)
    arguments = {**values, "adopt_existing": True}
    lines = [
        "import pulumi",
        "",
        "from kustomer_provider import KustomerPrivateApp",
        "",
        "# No KustomerAppSecret for it: creating one mints a new secret, which revokes the one in use.",
        f"{variable} = KustomerPrivateApp(",
        f"    {json.dumps(resource_name)},",
    ]
    for key, value in arguments.items():
        lines.append(f"    {key}={value!r},")  # JSON values: their repr is the Python literal
    lines += [")", f'pulumi.export("{resource_name}_client_id", {variable}.client_id)', ""]
    return "\n".join(lines)


def adoption_for(app: OrgApp) -> Adoption:
    """What takes ``app`` over; :class:`KustomerConfigError` when its registered definition is not one this
    provider accepts (then it says why, and that a new version is the way in)."""
    registered = app.shown
    installed = (
        app.installed is not None and bool(app.installed.version) and registered.version == app.installed.version
    )
    values = definition_values(registered.attributes, registered.name)
    if not installed:
        values["install"] = False
    item: dict[str, Any] = {
        "app": values["app"],
        "version": values["version"],
        "title": values["title"],
    }
    if values.get("description") is not None:
        item["description"] = values["description"]
    if values.get("icon_url") is not None:
        item["iconUrl"] = values["icon_url"]
    item["redirectUris"] = values["redirect_uris"]
    if values.get("definition"):
        item["definition"] = values["definition"]
    if not installed:
        item["install"] = False
    item["adoptExisting"] = True
    item["mintSecret"] = False
    _, failures = validate_inputs(AppConfig, item, allow_unknown=False)
    if failures:
        problems = "; ".join(f"{f.property or 'the item'}: {f.reason}" for f in failures[:5])
        raise KustomerConfigError(
            f"--adopt {app.bare_name}: version {registered.version} as registered is not a definition this provider "
            f"accepts ({problems}). It cannot be adopted as it is: declare a fixed definition with a higher version "
            "(the next `up` registers and installs it; the client id stays)."
        )
    return Adoption(
        app_name=app.name,
        version=registered.version,
        installed=installed,
        item=item,
        python=_python(values, str(values["app"])),
    )
