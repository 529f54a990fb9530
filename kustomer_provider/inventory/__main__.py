"""``python -m kustomer_provider.inventory``."""

import sys

from .cli import main

sys.exit(main())
