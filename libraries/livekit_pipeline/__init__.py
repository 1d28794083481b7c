"""How a run is arranged around the pinned server's build: the suites that need no server first, the
others once it is there (``order``), and what the sign-off says of a run whose build failed."""
