"""A test program whose one private app's provider has a bug (``tests/support/buggy_providers.py``): its Check
raises from inside the package's own code, as a bug in kustomer-pulumi would, to see what the CLI prints then.

``kustomer:buggyApp`` is the app's inputs (``KustomerPrivateApp``'s, raw).
"""

import pulumi
from pulumi.dynamic import Resource

from tests.support.buggy_providers import BuggyAppProvider


class BuggyApp(Resource, module="kustomer", name="PrivateApp"):
    """``KustomerPrivateApp``'s type, served by the buggy provider."""

    def __init__(self, name: str, props: dict[str, object]) -> None:
        super().__init__(BuggyAppProvider(), name, props)


BuggyApp("buggy", pulumi.Config("kustomer").require_object("buggyApp"))
