"""One app taken into the stack with the ``import_`` resource option: for the engine-level tests of tests/test_import.py.

- ``kustomer:importId``: the namespaced name of an app made outside Pulumi (the resource's id), given as ``import_``;
- ``kustomer:importTitle``: the title the program declares (default ``Imported``, the title the tests register).

The rest declares the app as the tests register it by hand (their ``DEFINITION``).
"""

import pulumi

from kustomer_provider import KustomerPrivateApp

config = pulumi.Config("kustomer")

app = KustomerPrivateApp(
    "imported",
    app="imported",
    version="1.2.0",
    title=config.get("importTitle") or "Imported",
    description="Registered by hand.",
    redirect_uris=["https://example.com/oauth/callback"],
    definition={"roles": ["org.permission.customer.read"]},
    opts=pulumi.ResourceOptions(import_=config.require("importId")),
)
pulumi.export("app_name", app.app_name)
pulumi.export("client_id", app.client_id)
pulumi.export("installed_version", app.installed_version)
