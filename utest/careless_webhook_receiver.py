"""A deliberately careless webhook receiver, for the project's own tests only: it answers every
POST with 200 and never looks at the Authorization header or the body hash.

It is what the receiver conformance suite must catch: every forged row fails against it.
"""

from __future__ import annotations

from http_test_support import Reply, ScriptedServer


class CarelessReceiver(ScriptedServer):
    """Accepts everything; ``url`` is its webhook URL."""

    def __init__(self):
        super().__init__(lambda seen: Reply(200, {"received": True}))

    @property
    def webhook_url(self) -> str:
        return self.url + "/webhook"
