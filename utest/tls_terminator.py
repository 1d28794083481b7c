"""A TLS terminator on loopback, as an operator puts one in front of livekit-server, and the private
certificate authority that signs its certificate.

    python utest/tls_terminator.py --backend 127.0.0.1:7880 --cert server.pem --key server.key

listens on a free port of 127.0.0.1, prints ``listening <port>`` on one line, and forwards every
connection, once its TLS handshake is done, to the backend over plain TCP (HTTP, the signal
WebSocket and its upgrade alike; WebRTC media goes to the server's UDP port directly, as it does
behind a real terminator). It stops when its standard input closes or on SIGTERM.

:func:`make_ca` writes a CA and certificates it signs, with the ``cryptography`` package.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import ipaddress
import signal
import ssl
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certificates:
    """The files of a private CA and of server certificates it signed."""

    ca: Path  # the CA's certificate (PEM): what SSL_CERT_FILE names
    cert: Path  # a certificate for localhost and 127.0.0.1
    key: Path
    other_host_cert: Path  # a certificate of the same CA for another host name only
    other_host_key: Path


def make_ca(folder: Path, name: str = "livekit-auth test CA") -> Certificates:
    """A CA and two server certificates it signs, written into ``folder``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(stem: str, names: list[x509.GeneralName]) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, stem)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        return cert_path, key_path

    ca_path = folder / "ca.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert, key = leaf("server", [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    other_cert, other_key = leaf("other-host", [x509.DNSName("livekit.other.example")])
    return Certificates(ca_path, cert, key, other_cert, other_key)


class Terminator:
    """The terminator as a separate process: ``port`` is where it listens with TLS."""

    def __init__(self, backend: str, cert: Path, key: Path):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--backend", backend, "--cert", str(cert), "--key", str(key)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = _read_line(self.process, 10)
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"the TLS terminator did not start: {line!r}")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> Terminator:
        return self

    def __exit__(self, *_) -> None:
        self.stop()


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0].strip() if found else ""


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError, ssl.SSLError, RuntimeError):
            writer.close()


async def _serve(backend_host: str, backend_port: int, context: ssl.SSLContext) -> None:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.wait_for(asyncio.open_connection(backend_host, backend_port), 5)
        except (OSError, asyncio.TimeoutError):
            client_writer.close()
            return
        with contextlib.suppress(asyncio.CancelledError):  # the terminator stops with connections open
            await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context, ssl_handshake_timeout=5)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    loop = asyncio.get_running_loop()
    stopped = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stopped.done() or stopped.set_result(None))
    # Standard input closing (the test that started it ended, however) stops it too.
    loop.add_reader(sys.stdin.fileno(), lambda: stopped.done() or (sys.stdin.read(1) == "" and stopped.set_result(None)))
    async with server:
        await stopped


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", required=True, help="host:port of the plain server")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    options = parser.parse_args(arguments)
    host, _, port = options.backend.rpartition(":")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(options.cert, options.key)
    asyncio.run(_serve(host, int(port), context))
    return 0


if __name__ == "__main__":
    sys.exit(main())
