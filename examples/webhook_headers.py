"""Example variable file: headers an app's webhook receiver needs besides LiveKit's signature.

    python run.py --variablefile my_webhook_headers.py --include webhooks

Some apps put their webhook route behind a gateway that wants a key of its own. Copy this file,
keep the copy out of version control, and read the values from the environment as here. The
headers are sent with every request to the receiver and never logged: the library reads this
variable itself, so it never appears as a keyword argument.
"""

import os

from robot.api.types import Secret

_GATEWAY_KEY = os.environ.get("MY_APP_WEBHOOK_GATEWAY_KEY", "").strip()

# Without the variable no extra header is sent: LiveKit's signature is then all the receiver sees.
WEBHOOK_RECEIVER_HEADERS = {"X-Gateway-Key": Secret(_GATEWAY_KEY)} if _GATEWAY_KEY else {}
