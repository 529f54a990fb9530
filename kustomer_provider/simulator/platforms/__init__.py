"""Teamwork.com, Komerza and apaleo, served beside Kustomer on the same simulator (see docs/simulator.md).

Each platform is one `PlatformSpec` (`spec.py`) read by the parts written once: the authorize and consent
page (`consent.py`), the state of clients, codes and tokens (`state.py`) and the dashboard's control calls
(`control.py`). What differs in kind, the exchange and the API endpoint, is one small router per platform
(`teamwork.py`, `komerza.py`, `apaleo.py`). Every rule is in `rules.py` with its source. The routers are in
`routes.py` (imported by the app, not here, so that the state can be imported without the web layer).
"""

from .spec import PLATFORMS, PlatformSpec
from .state import Client, ClientProblem, Code, CodeProblem, PlatformState, Token

__all__ = ["PLATFORMS", "Client", "ClientProblem", "Code", "CodeProblem", "PlatformSpec", "PlatformState", "Token"]
