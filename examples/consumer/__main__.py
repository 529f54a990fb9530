"""A downstream program: one Kustomer app's OAuth credentials, from the `kustomer` stack, handed on.

Reads the producer's ``apps`` output through a ``StackReference`` and exports what a consumer needs
(StackOne's four form fields, or a service's settings). ``clientSecret`` is passed on as a secret whatever
the reference reports, so it is encrypted in this stack's state and masked in every CLI output.
"""

from typing import Any

import pulumi

config = pulumi.Config()
producer_stack = config.require("producerStack")
app_key = config.get("app") or "stackone_link"

kustomer = pulumi.StackReference(producer_stack)


def pick_app(apps: Any) -> dict[str, Any]:
    """The chosen app's entry of ``apps``; a clear error when the producer has no such app."""
    if not isinstance(apps, dict) or app_key not in apps:
        known = ", ".join(sorted(apps)) if isinstance(apps, dict) else "none"
        raise ValueError(f"{producer_stack} has no app {app_key!r} in its `apps` output (it has: {known})")
    entry: dict[str, Any] = apps[app_key]
    return entry


# `apps` is a secret as a whole (it holds clientSecret), so everything taken from it starts secret.
app = kustomer.require_output("apps").apply(pick_app)


def public(name: str) -> pulumi.Output[Any]:
    """A field that is not a secret (client id, org name, scopes): unmasked on purpose, one by one."""
    return pulumi.Output.unsecret(app.apply(lambda entry: entry[name]))


client_id = public("clientId")
organization_name = public("orgName")
scopes = public("scopes").apply(lambda values: " ".join(values))
# Marked secret here too: a producer whose output lost its secret marker must not leak it downstream.
client_secret = pulumi.Output.secret(app.apply(lambda entry: entry["clientSecret"]))

pulumi.export("clientId", client_id)
pulumi.export("clientSecret", client_secret)
pulumi.export(
    "stackone",
    {
        "clientId": client_id,
        "clientSecret": client_secret,
        "organizationName": organization_name,
        "scopes": scopes,
    },
)
