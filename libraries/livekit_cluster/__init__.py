"""A LiveKit cluster, checked node by node, without Robot Framework: which nodes the run checks, whether
they answer a token alike, and the joins, refresh tokens and webhooks that cross nodes."""
