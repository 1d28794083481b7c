"""TLS towards a LiveKit server, a token endpoint or a webhook receiver behind a certificate of a private CA.

The certificate authorities come from the standard ``SSL_CERT_FILE`` (a PEM file) and ``SSL_CERT_DIR``
variables, read by every client of a run alike:

- ``requests`` (the HTTP checks, RoomService, ``/rtc/validate``): it would use certifi's bundle and
  ignore both variables, so each session is given ``verify=`` the file (else the folder);
- ``aiohttp`` (the signal-level join): an ``ssl`` context loading the same file or folder;
- LiveKit's real-time SDK: its native library (rustls with the platform's roots, as
  ``rustls-native-certs`` reads them) loads ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` itself, in place
  of the system's certificates;
- Chromium (the browser client): it reads neither either; it is told the key of the server's
  certificate once that certificate verified here (:func:`verified_key_pin`);
- Node.js (livekit-server-sdk, livekit-client): it reads neither, but adds the certificates of
  ``NODE_EXTRA_CA_CERTS`` to its own, so that variable names ``SSL_CERT_FILE`` (joined with the
  file it already named, if any) for the Node processes a run starts.

A certificate that does not verify is told in one sentence naming the host and the reason.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import os
import shutil
import socket
import ssl
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

CA_FILE = "SSL_CERT_FILE"
CA_DIR = "SSL_CERT_DIR"
NODE_CA = "NODE_EXTRA_CA_CERTS"
FIX = f"set {CA_FILE} to the PEM file of the certificate authority that signed it"


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def verify_setting(environ: Mapping[str, str] | None = None) -> str | bool:
    """What ``requests`` verifies certificates with: ``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else its default."""
    environ = _environ(environ)
    return environ.get(CA_FILE, "").strip() or environ.get(CA_DIR, "").strip() or True


def ssl_context(environ: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """A verifying client context with the CAs of ``SSL_CERT_FILE``/``SSL_CERT_DIR`` (else the system's)."""
    environ = _environ(environ)
    cafile = environ.get(CA_FILE, "").strip() or None
    capath = environ.get(CA_DIR, "").strip() or None
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    return ssl.create_default_context()


def node_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` for a Node.js process, whose ``NODE_EXTRA_CA_CERTS`` also holds the CAs of ``SSL_CERT_FILE``.

    Node.js reads one extra file; when ``NODE_EXTRA_CA_CERTS`` already names another (some systems
    set it to their own bundle), both files are joined into one, written once per run into a private
    temporary folder that is removed when the run ends (it holds public certificates only).
    """
    environment = dict(_environ(environ))
    ca_file = environment.get(CA_FILE, "").strip()
    if not ca_file:
        return environment
    extra = environment.get(NODE_CA, "").strip()
    if not extra or os.path.abspath(extra) == os.path.abspath(ca_file):
        environment[NODE_CA] = ca_file
        return environment
    environment[NODE_CA] = _joined_bundle(extra, ca_file)
    return environment


_JOINED: dict[tuple[str, str], str] = {}


def _joined_bundle(first: str, second: str) -> str:
    key = (first, second)
    if key not in _JOINED:
        folder = tempfile.mkdtemp(prefix="livekit-auth-ca-")
        atexit.register(shutil.rmtree, folder, True)
        target = Path(folder) / "node-extra-ca-certs.pem"
        parts = []
        for name in key:
            try:
                parts.append(Path(name).read_text(encoding="utf-8", errors="replace").strip())
            except OSError:
                continue  # Node.js says what it cannot read; the file that reads still counts
        target.write_text("\n".join(parts) + "\n", encoding="utf-8")
        _JOINED[key] = str(target)
    return _JOINED[key]


def configuration_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """One sentence when ``SSL_CERT_FILE`` names no readable file of PEM certificates; else None."""
    ca_file = _environ(environ).get(CA_FILE, "").strip()
    if not ca_file:
        return None
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except FileNotFoundError:
        return f"{CA_FILE} names '{ca_file}', which does not exist; set it to the PEM file of your certificate authority."
    except (OSError, ssl.SSLError, ValueError):
        return (
            f"{CA_FILE} names '{ca_file}', which holds no PEM certificate; set it to the PEM file of your certificate authority."
        )
    if not context.get_ca_certs():
        return (
            f"{CA_FILE} names '{ca_file}', which holds no CA certificate; set it to the PEM file of your certificate authority."
        )
    return None


def certificate_reason(text: str) -> str | None:
    """Why a certificate did not verify, in words, from what OpenSSL, rustls or Node said; None when ``text``
    says nothing about a certificate."""
    said = text.lower()
    if any(word in said for word in ("hostname mismatch", "not valid for name", "notvalidforname", "doesn't match", "altnames")):
        return "the certificate is not issued for this host name"
    if "expired" in said:
        return "the certificate has expired"
    if (
        "unable to get local issuer" in said
        or "self-signed" in said
        or "self signed" in said
        or "unknownissuer" in said
        or "unknown issuer" in said
        or "unable to verify the first certificate" in said
        or "certificate verify failed" in said
        or "invalid peer certificate" in said
    ):
        return "the certificate is not signed by a certificate authority trusted here"
    return None


def certificate_failure(host: str, text: str, what: str = "the LiveKit server") -> str | None:
    """One sentence for a certificate of ``host`` that did not verify, or None when ``text`` is about something else."""
    reason = certificate_reason(text)
    if reason is None:
        return None
    if "host name" in reason:
        fix = "use the host name the certificate names, or a certificate issued for this one"
    elif "expired" in reason:
        fix = "renew the certificate"
    else:
        fix = FIX
    return f"The TLS certificate of {what} at {host} does not verify: {reason}; {fix}."


def verified_key_pin(url: str, environ: Mapping[str, str] | None = None, timeout: float = 5.0) -> str | None:
    """The SPKI pin (base64 of the SHA-256 of its public key) of the certificate a ``wss://``/``https://``
    server presents, once it verified here with ``SSL_CERT_FILE``/``SSL_CERT_DIR`` and the host name;
    None for a plain URL, without those variables, or when it does not verify.

    Chromium on Linux trusts only its own certificate store (NSS), not these variables: the browser
    client is told to accept exactly this key (``--ignore-certificate-errors-spki-list``), which
    Python has verified against the user's CA for this very host.
    """
    environ = _environ(environ)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("wss", "https") or not parts.hostname:
        return None
    if not (environ.get(CA_FILE, "").strip() or environ.get(CA_DIR, "").strip()):
        return None
    try:
        context = ssl_context(environ)
        with (
            socket.create_connection((parts.hostname, parts.port or 443), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=parts.hostname) as secured,
        ):
            der = secured.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError, ValueError):
        return None
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key = x509.load_der_x509_certificate(der).public_key()
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def speaks_tls(host: str, port: int, timeout: float = 2.0) -> bool:
    """Whether something at ``host:port`` answers a TLS handshake (whatever its certificate)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host if not _is_ip(host) else None),
        ):
            return True
    except (OSError, ssl.SSLError, ValueError):
        return False


def plain_to_tls(host: str, port: int, what: str = "the LiveKit server", setting: str = "LIVEKIT_URL") -> str:
    """The sentence for a plain ``ws://``/``http://`` URL given for a port that speaks TLS."""
    return (
        f"{_capital(what)} at {host}:{port} speaks TLS, but {setting} says ws:// or http://: "
        f"write wss:// (or https://) in {setting}."
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host.strip("[]"))
    except OSError:
        return False
    return True
