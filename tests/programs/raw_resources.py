"""A test program that declares the resources straight from raw config, with no program-side validation.

``kustomer:testApps`` is a list of ``{"name": ..., "app": {KustomerPrivateApp kwargs}, "secret": {KustomerAppSecret
kwargs, app_name defaults to the app's output} | null}``. Tests use it to reach the providers' own ``check``.
"""

import pulumi

from kustomer_provider import KustomerAppSecret, KustomerPrivateApp

config = pulumi.Config("kustomer")
outputs = {}
for spec in config.require_object("testApps"):
    app = KustomerPrivateApp(spec["name"], **spec["app"])
    entry = {"appName": app.app_name, "clientIdFromApp": app.client_id, "version": app.version}
    if spec.get("secret") is not None:
        kwargs = {"app_name": app.app_name, **spec["secret"]}
        if kwargs.pop("follow_version", False):
            kwargs["app_version"] = app.version
        opts = pulumi.ResourceOptions(**spec["secret_opts"]) if spec.get("secret_opts") else None
        secret = KustomerAppSecret(f"{spec['name']}-secret", **kwargs, opts=opts)
        entry.update(clientId=secret.client_id, clientSecret=secret.client_secret, fingerprint=secret.fingerprint)
    outputs[spec["name"]] = entry
pulumi.export("apps", outputs)
