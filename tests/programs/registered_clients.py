"""A test program that declares ``RegisteredOAuthClient`` resources straight from raw config.

``kustomer:testClients`` is a list of ``{"name": ..., "secretKey": "kustomer:<key>", "args": {kwargs}}``: the
client secret is the secret config value of ``secretKey``; ``args`` go to the resource as they are, so tests
reach the provider's own ``check``. Exports ``clients``: every output of each client, by name.
"""

import pulumi

from kustomer_provider import RegisteredOAuthClient

OUTPUTS = (
    "platform",
    "client_id",
    "client_secret",
    "authorize_url",
    "token_url",
    "dashboard_url",
    "redirect_uris",
    "scopes",
    "rotate_at",
    "fingerprint",
    "verification",
    "secret_created_on",
    "rotate_after_days",
)

config = pulumi.Config("kustomer")
outputs = {}
for spec in config.require_object("testClients"):
    secret = config.require_secret(spec["secretKey"].removeprefix("kustomer:"))
    client = RegisteredOAuthClient(spec["name"], client_secret=secret, **spec["args"])
    outputs[spec["name"]] = {name: getattr(client, name) for name in OUTPUTS}
pulumi.export("clients", outputs)
