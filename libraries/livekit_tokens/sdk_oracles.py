"""LiveKit's official server SDKs as oracles: livekit-api (Python, in process) and
livekit-server-sdk (Node.js, through ``interop/node/oracle.mjs``).

Both take a request (see ``interop.build_request``) to mint and a token to verify, and answer in
the same vocabulary. API secrets and tokens reach Node.js only through its stdin; they never appear
on a command line, and every error message is scrubbed of them before it is shown.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import typing
import warnings
from importlib import metadata
from pathlib import Path

from livekit_http import tls

from . import grants as model
from . import interop

PYTHON_SDK = "livekit-api"
NODE_SDK = "livekit-server-sdk"
SDK_ALIASES = {
    "livekit-api": PYTHON_SDK,
    "python": PYTHON_SDK,
    "livekit-server-sdk": NODE_SDK,
    "node": NODE_SDK,
}
MIN_NODE_MAJOR = 18
NODE_VARIABLE = "LIVEKIT_INTEROP_NODE"  # another Node.js executable than the one on PATH


class SdkFailure(AssertionError):
    """An SDK refused a token (``refused``), failed on it (``crashed``) or cannot write a request."""

    ROBOT_SUPPRESS_NAME = True  # Robot Framework shows the message alone, without the class name

    def __init__(self, sdk: str, outcome: str, name: str, message: str):
        self.sdk, self.outcome, self.name, self.message = sdk, outcome, name, message
        verb = {"refused": "refused the token", "crashed": "failed on the token"}.get(outcome, "cannot do this")
        super().__init__(f"{sdk} {verb}: {self.reason}.")

    @property
    def reason(self) -> str:
        return f"{self.name}: {self.message}" if self.name else self.message


class SdkUnavailable(Exception):
    """The SDK cannot run on this machine; the message says what to install."""


def sdk_name(name: str) -> str:
    key = str(name).strip().lower()
    if key not in SDK_ALIASES:
        raise ValueError(f"Unknown SDK '{name}'; use {PYTHON_SDK} or {NODE_SDK}.")
    return SDK_ALIASES[key]


# ---------------------------------------------------------------- livekit-api (Python)


def _kind_of(annotation) -> str:
    """The JSON kind of a livekit-api dataclass field, from its type annotation."""
    options = (annotation, *typing.get_args(annotation))
    if bool in options:
        return model.BOOL
    if any(typing.get_origin(option) is list for option in options):
        return model.STRING_LIST
    if str in options:
        return model.STRING
    raise ValueError(f"unsupported grant field type {annotation!r}")  # pragma: no cover


class PythonSdk:
    """livekit-api's ``AccessToken`` and ``TokenVerifier``."""

    name = PYTHON_SDK

    def __init__(self):
        from livekit.api import access_token

        self._module = access_token
        self.classes = {
            "video": access_token.VideoGrants,
            "sip": access_token.SIPGrants,
            "agent": access_token.AgentGrants,
            "inference": access_token.InferenceGrants,
            "observability": access_token.ObservabilityGrants,
        }

    @property
    def version(self) -> str:
        return metadata.version("livekit-api")

    def grant_fields(self) -> dict[str, dict[str, str]]:
        """Each grant group's snake_case fields and JSON kinds, as livekit-api declares them."""
        return {
            group: {name: _kind_of(field.type) for name, field in cls.__dataclass_fields__.items()}
            for group, cls in self.classes.items()
        }

    def defaults(self) -> dict[str, object]:
        """What livekit-api fills in by itself: grant fields it writes and reports when a token leaves them out."""
        claims = self._module.Claims(**{group: cls() for group, cls in self.classes.items()})
        return interop.flatten(claims.asdict())

    def mint(self, request: dict, api_key: str, api_secret: str) -> str:
        token = self._module.AccessToken(api_key, api_secret)
        if request.get("identity"):
            token.with_identity(request["identity"])
        if request.get("name") is not None:
            token.with_name(request["name"])
        if request.get("metadata") is not None:
            token.with_metadata(request["metadata"])
        if request.get("attributes") is not None:
            token.with_attributes(request["attributes"])
        if request.get("kind") is not None:
            token.with_kind(request["kind"])
        if request.get("ttl") is not None:
            token.with_ttl(datetime.timedelta(seconds=request["ttl"]))
        adders = {
            "video": token.with_grants,
            "sip": token.with_sip_grants,
            "agent": token.with_agent_grants,
            "inference": token.with_inference_grants,
            "observability": token.with_observability_grants,
        }
        try:
            for group, add in adders.items():
                if group in request:
                    add(self.classes[group](**{model.to_snake(name): value for name, value in request[group].items()}))
            with _quiet_short_key_warning():
                return token.to_jwt()
        except (TypeError, ValueError) as error:
            raise SdkFailure(self.name, "invalid-request", "", interop.scrub(str(error), api_secret)) from None

    def verify(self, token: str, api_key: str, api_secret: str) -> dict:
        """Return what ``TokenVerifier.verify`` reports, as a view; raise SdkFailure when it refuses."""
        import jwt

        verifier = self._module.TokenVerifier(api_key, api_secret)
        try:
            with _quiet_short_key_warning():
                claims = verifier.verify(token)
        except jwt.PyJWTError as error:
            raise SdkFailure(self.name, "refused", type(error).__name__, _clean(error, token, api_secret)) from None
        except Exception as error:  # the verifier's own bugs are findings, not crashes of the suite
            raise SdkFailure(self.name, "crashed", type(error).__name__, _clean(error, token, api_secret)) from None
        return claims.asdict()

    def receive_webhook(self, body: str, authorization: str | None, api_key: str, api_secret: str) -> dict:
        """Return the event ``WebhookReceiver.receive`` reads from ``body``; raise SdkFailure when it refuses.

        livekit-api 1.2.2 (``livekit/api/webhook.py``) verifies the header with ``TokenVerifier``,
        then compares the decoded ``sha256`` claim with the SHA-256 of the body's UTF-8 bytes; its
        own refusals are plain ``Exception``s, and a header it cannot take at all a ``TypeError``
        or ``AttributeError``.
        """
        import jwt
        from google.protobuf.json_format import MessageToDict
        from livekit.api import TokenVerifier, WebhookReceiver

        receiver = WebhookReceiver(TokenVerifier(api_key, api_secret))
        secrets = (authorization or "", api_secret)
        try:
            with _quiet_short_key_warning():
                event = receiver.receive(body, authorization)
        except jwt.PyJWTError as error:
            raise SdkFailure(self.name, "refused", type(error).__name__, _clean(error, *secrets)) from None
        except Exception as error:  # the receiver refuses with plain Exceptions: its messages tell which
            outcome = "refused" if type(error) is Exception or isinstance(error, ValueError) else "crashed"
            raise SdkFailure(self.name, outcome, type(error).__name__, _clean(error, *secrets)) from None
        return MessageToDict(event)


def _clean(error: BaseException, *secrets: str) -> str:
    return interop.scrub(str(error), *secrets)[:300]


@contextlib.contextmanager
def _quiet_short_key_warning():
    """PyJWT warns about HMAC keys under 32 bytes on every call; the project reports weak secrets itself."""
    from jwt.warnings import InsecureKeyLengthWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        yield


# ---------------------------------------------------------------- livekit-server-sdk (Node.js)


class NodeSdk:
    """livekit-server-sdk through one long-lived ``node oracle.mjs`` process speaking JSON lines."""

    name = NODE_SDK

    def __init__(self, project: Path, executable: str | None = None, timeout: float = 30.0):
        self.project = Path(project)
        self.script = self.project / "oracle.mjs"
        self.timeout = timeout
        self._executable = executable
        self._checked: str | None = None
        self._unavailable: str | None = None
        self._process: subprocess.Popen | None = None
        self._answers: queue.Queue = queue.Queue()
        self._stderr = None
        atexit.register(self.close)

    # -- what is installed

    @property
    def pinned_version(self) -> str | None:
        try:
            package = json.loads((self.project / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return package.get("dependencies", {}).get(NODE_SDK)

    @property
    def installed_version(self) -> str | None:
        try:
            package = json.loads((self.project / "node_modules" / NODE_SDK / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return package.get("version")

    @property
    def version(self) -> str:
        return self.installed_version or "not installed"

    def executable(self) -> str | None:
        configured = self._executable or os.environ.get(NODE_VARIABLE)
        if configured:
            return configured if Path(configured).is_file() or shutil.which(configured) else None
        return shutil.which("node")

    def check(self) -> str:
        """Return the Node.js executable, or raise SdkUnavailable saying what is missing."""
        if self._checked:
            return self._checked
        if self._unavailable:
            raise SdkUnavailable(self._unavailable)
        try:
            self._checked = self._find()
        except SdkUnavailable as missing:
            self._unavailable = str(missing)
            raise
        return self._checked

    def _find(self) -> str:
        node = self.executable()
        if node is None:
            where = (
                f"{NODE_VARIABLE} names no executable"
                if (self._executable or os.environ.get(NODE_VARIABLE))
                else "no 'node' on PATH"
            )
            raise SdkUnavailable(
                f"Node.js is not installed ({where}): the {NODE_SDK} checks need Node.js {MIN_NODE_MAJOR} or newer; "
                "install it and run 'python run.py' again."
            )
        try:
            found = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=self.timeout, check=False)
            version = found.stdout.strip().lstrip("v")
            major = int(version.split(".")[0])
        except (OSError, ValueError, subprocess.TimeoutExpired):
            raise SdkUnavailable(
                f"'{node} --version' did not report a Node.js version: the {NODE_SDK} checks need Node.js."
            ) from None
        if major < MIN_NODE_MAJOR:
            raise SdkUnavailable(f"Node.js {version} is too old: the {NODE_SDK} checks need Node.js {MIN_NODE_MAJOR} or newer.")
        installed, pinned = self.installed_version, self.pinned_version
        if installed is None:
            raise SdkUnavailable(
                f"The pinned Node.js packages are not installed in {self.project}: run 'python run.py' "
                "(it runs 'npm ci' there) or 'npm ci' in that folder."
            )
        if pinned and installed != pinned:
            raise SdkUnavailable(
                f"{self.project} holds {NODE_SDK} {installed} but package.json pins {pinned}: run 'npm ci' in that folder."
            )
        return node

    # -- the process

    def _start(self) -> None:
        node = self.check()
        # Kept open while the process runs, closed in close(); read only to explain a failure.
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._process = subprocess.Popen(
            [node, str(self.script)],
            cwd=self.project,
            env=tls.node_environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self._answers = queue.Queue()
        threading.Thread(target=_read_lines, args=(self._process.stdout, self._answers), daemon=True).start()

    def call(self, message: dict, *secrets: str) -> dict:
        """Send one request and return its answer; ``secrets`` are scrubbed from any error shown."""
        if self._process is None or self._process.poll() is not None:
            self._start()
        process = self._process
        try:
            process.stdin.write(json.dumps(message, ensure_ascii=True) + "\n")
            process.stdin.flush()
            line = self._answers.get(timeout=self.timeout)
        except queue.Empty:
            self.close(kill=True)
            raise AssertionError(f"The {NODE_SDK} oracle did not answer within {self.timeout:g} s.") from None
        except OSError:
            line = None
        if line is None:
            detail = self._stderr_tail(*secrets)
            self.close()
            raise AssertionError(f"The {NODE_SDK} oracle stopped: {detail or 'no message'}.")
        try:
            return json.loads(line)
        except (ValueError, RecursionError):
            self.close()
            raise AssertionError(f"The {NODE_SDK} oracle answered something that is not JSON.") from None

    def _stderr_tail(self, *secrets: str) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            lines = [line.strip() for line in self._stderr.read().splitlines() if line.strip()]
        except (OSError, ValueError):
            return ""
        return interop.scrub(lines[-1], *secrets)[:300] if lines else ""

    def close(self, kill: bool = False) -> None:
        """Stop the Node.js process: end its input and let it finish, or kill it when it hangs."""
        process, self._process = self._process, None
        if process is not None:
            try:
                if kill:
                    process.kill()
                else:
                    process.stdin.close()
                process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    # -- the SDK

    def mint(self, request: dict, api_key: str, api_secret: str) -> str:
        answer = self.call({"op": "mint", "apiKey": api_key, "apiSecret": api_secret, "request": request}, api_secret)
        if not answer.get("ok"):
            raise self._failure(answer, api_secret)
        return answer["token"]

    def verify(self, token: str, api_key: str, api_secret: str) -> dict:
        answer = self.call({"op": "verify", "apiKey": api_key, "apiSecret": api_secret, "token": token}, token, api_secret)
        if not answer.get("ok"):
            raise self._failure(answer, token, api_secret)
        return answer["claims"]

    def receive_webhook(self, body: str, authorization: str | None, api_key: str, api_secret: str) -> dict:
        """Return the event livekit-server-sdk's ``WebhookReceiver.receive`` reads; raise SdkFailure when it refuses."""
        message = {"op": "webhook", "apiKey": api_key, "apiSecret": api_secret, "body": body, "authorization": authorization}
        hidden = (authorization or "", api_secret)
        answer = self.call(message, *hidden)
        if not answer.get("ok"):
            raise self._failure(answer, *hidden)
        return answer["event"]

    def _failure(self, answer: dict, *secrets: str) -> SdkFailure:
        error = answer.get("error") or {}
        outcome = str(answer.get("outcome", "crashed"))
        name = "" if outcome == "invalid-request" else str(error.get("code") or error.get("name") or "")
        message = interop.scrub(str(error.get("message", "")), *secrets)[:300]
        return SdkFailure(self.name, outcome, name, message)


def _read_lines(stream, answers: queue.Queue) -> None:
    try:
        for line in stream:
            answers.put(line)
    except (OSError, ValueError):
        pass
    answers.put(None)
