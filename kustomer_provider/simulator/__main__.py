"""`python -m kustomer_provider.simulator`: see docs/simulator.md."""

import os
import sys

from .cli import main

if __name__ == "__main__":
    code = main()
    # Served and stopped: the state file is written at every change and the control token file is gone. Skip
    # the interpreter's teardown (about 0.2 s of module finalization), which every test's simulator paid.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
