"""Example variable file: headers an app's token endpoint needs for its own authentication.

    python run.py --variablefile my_endpoint_headers.py suites/endpoint

Copy this file, keep the copy out of version control, and read the values from the environment
as here. The headers are sent with every request to the token endpoint and never logged: the
library reads this variable itself, so it never appears as a keyword argument.
"""

import os

from robot.api.types import Secret

TOKEN_ENDPOINT_HEADERS = {
    "Authorization": Secret(f"Bearer {os.environ.get('MY_APP_SESSION_TOKEN', '')}"),
}
