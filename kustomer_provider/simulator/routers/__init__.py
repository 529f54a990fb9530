"""One router per area of the simulated API."""
