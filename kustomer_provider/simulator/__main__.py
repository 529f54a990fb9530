"""`python -m kustomer_provider.simulator`: see docs/simulator.md."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
