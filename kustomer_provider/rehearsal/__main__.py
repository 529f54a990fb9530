"""``python -m kustomer_provider.rehearsal``: see :mod:`kustomer_provider.rehearsal.cli`."""

import sys

from .cli import main

sys.exit(main())
