"""One app and its secret, their resource names from the config: for the claims of docs/state.md.

- ``kustomer:appName`` and ``kustomer:secretName``: the resource names (default ``crm-sync``, ``crm-sync-secret``);
- ``kustomer:appAliases`` and ``kustomer:secretAliases``: the names they had before, given as ``aliases``;
- ``kustomer:encryptedProvider``: ``true`` runs the program as kustomer-pulumi 0.1.0 did, every resource's
  ``__provider`` encrypted in the state (the SDK's default, ``serialize_as_secret_always``).
"""

import pulumi

from kustomer_provider import KustomerAppSecret, KustomerPrivateApp
from kustomer_provider.resource_provider import KustomerResourceProvider

config = pulumi.Config("kustomer")
if config.get_bool("encryptedProvider"):
    KustomerResourceProvider.serialize_as_secret_always = True


def aliases(key: str) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(aliases=[pulumi.Alias(name=name) for name in config.get_object(key) or []])


app = KustomerPrivateApp(
    config.get("appName") or "crm-sync",
    app="crm_sync",
    version="1.0.0",
    title="CRM sync",
    redirect_uris=["https://api.stackone.com/connect/oauth2/kustomer/callback"],
    opts=aliases("appAliases"),
)
secret = KustomerAppSecret(
    config.get("secretName") or "crm-sync-secret", app_name=app.app_name, opts=aliases("secretAliases")
)
pulumi.export("client_id", secret.client_id)
pulumi.export("client_secret", secret.client_secret)
pulumi.export("fingerprint", secret.fingerprint)
