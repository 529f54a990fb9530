"""``python -m kustomer_provider.oauth``: see :mod:`kustomer_provider.oauth.cli`."""

from .cli import main

raise SystemExit(main())
