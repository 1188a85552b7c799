"""Services: the use cases (intake, war room, gate, nudges, resolve). They depend on ports only."""
