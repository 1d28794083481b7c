"""Example variable file: headers an app's token endpoint needs for its own authentication.

    python run.py --variablefile my_endpoint_headers.py suites/endpoint

Copy this file, keep the copy out of version control, and read the values from the environment
as here. The headers are sent with every request to the token endpoint and never logged: the
library reads this variable itself, so it never appears as a keyword argument.
"""

import os

from robot.api.types import Secret

_SESSION_TOKEN = os.environ.get("MY_APP_SESSION_TOKEN", "").strip()

# Without the variable no header is sent, and the endpoint answers as it does to a signed-out user.
TOKEN_ENDPOINT_HEADERS = {"Authorization": Secret(f"Bearer {_SESSION_TOKEN}")} if _SESSION_TOKEN else {}
