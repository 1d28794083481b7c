"""LiveKit webhooks without Robot Framework: event bodies, signing as the server does, verifying as
LiveKit's receivers do, hostile requests, and an HTTP receiver that records verified events.

``events`` writes and reads ``WebhookEvent`` bodies (protojson), ``signing`` signs a body as the
server's ``URLNotifier`` does, ``verification`` checks a received ``Authorization`` header and body
with the rules of livekit/protocol's ``webhook.Receive``, ``hostile`` builds the forged and
malformed requests a receiver must refuse, ``receiver`` serves HTTP with those checks, and
``collector`` runs that receiver in the background and keeps the verified events in order.
"""

from .collector import Collector, start_collector
from .verification import WebhookRefused, WebhookVerdict, verify_webhook

__all__ = ["Collector", "WebhookRefused", "WebhookVerdict", "start_collector", "verify_webhook"]
