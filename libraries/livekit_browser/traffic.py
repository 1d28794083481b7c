"""Watch every network interface but loopback while the browser runs, and say what of it was the browser's.

A raw packet socket (Linux, root or ``CAP_NET_RAW``) sees every packet of every interface; those of
loopback interfaces are left out. The machine may carry other programs' traffic meanwhile (a
package download, a mail client), so a packet counts as the browser's when

- its local port is one a browser process held a socket on during the capture (the sockets of the
  browser's processes are read from ``/proc`` every few milliseconds), or
- it is a DNS query for a name the browser would look up by itself (Google's and Chromium's
  service hosts) or for the probe name of this capture (the page fetches it on every join; a name
  of its own per capture, so that two runs on one machine do not count each other's), or
- it is an mDNS packet naming a ``.local`` host the way WebRTC hides a host address (a UUID).

The check expects none of these; every other packet is counted and reported as another program's.
Nothing captured is written anywhere.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
PROBE_SUFFIX = ".livekit-auth-probe.test"  # the page asks for <random>.livekit-auth-probe.test; only a browser without the resolver rules looks it up
BROWSER_SERVICE_DOMAINS = (
    "google.com",
    "googleapis.com",
    "gstatic.com",
    "gvt1.com",
    "gvt2.com",
    "googleusercontent.com",
    "google-analytics.com",
    "doubleclick.net",
    "chromium.org",
    "chrome.com",
)
_MDNS_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.local$", re.I)


class CaptureUnavailable(Exception):
    """Packets cannot be captured on this machine; the message says why and what would allow it."""


@dataclass(frozen=True)
class Packet:
    interface: str
    outgoing: bool
    protocol: str  # "tcp", "udp" or another IP protocol's number, "other" for what is not IP
    source: str
    destination: str
    source_port: int | None
    destination_port: int | None
    names: tuple[str, ...] = ()  # the names a DNS or mDNS packet carries

    @property
    def local_port(self) -> int | None:
        return self.source_port if self.outgoing else self.destination_port

    def describe(self) -> str:
        arrow = "->" if self.outgoing else "<-"
        remote = f"{self.destination}:{self.destination_port}" if self.outgoing else f"{self.source}:{self.source_port}"
        names = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.interface} {self.protocol} {arrow} {remote}{names}"


def _dns_names(payload: bytes) -> tuple[str, ...]:
    """The question names of a DNS or mDNS message (and the answer names of an mDNS announcement)."""
    if len(payload) < 12:
        return ()
    questions, answers = struct.unpack("!HH", payload[4:8])
    names, offset = [], 12
    for _ in range(min(questions + answers, 16)):
        labels, position, jumped, hops = [], offset, False, 0
        while position < len(payload) and hops < 64:
            hops += 1
            length = payload[position]
            if length == 0:
                position += 1
                break
            if length & 0xC0 == 0xC0:
                if position + 1 >= len(payload):
                    return tuple(names)
                if not jumped:
                    offset = position + 2
                jumped = True
                position = ((length & 0x3F) << 8) | payload[position + 1]
                continue
            labels.append(payload[position + 1 : position + 1 + length].decode("ascii", "replace"))
            position += 1 + length
        if not jumped:
            offset = position
        names.append(".".join(labels).lower())
        offset += 4  # type and class
        if len(names) > questions:  # an answer record: skip ttl, length and data
            if offset + 6 > len(payload):
                break
            offset += 4 + 2 + struct.unpack("!H", payload[offset + 4 : offset + 6])[0]
    return tuple(name for name in names if name)


def parse(frame: bytes, interface: str, outgoing: bool, hardware: int) -> Packet:
    """The addresses, ports and DNS names of one captured frame."""
    offset = 0
    if hardware == 1:  # Ethernet, possibly with VLAN tags
        kind, offset = struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0, 14
        while kind in (0x8100, 0x88A8) and len(frame) >= offset + 4:
            kind, offset = struct.unpack("!H", frame[offset + 2 : offset + 4])[0], offset + 4
        if kind not in (0x0800, 0x86DD):
            return Packet(interface, outgoing, "other", "", "", None, None)
    ip = frame[offset:]
    version = ip[0] >> 4 if ip else 0
    if version == 4 and len(ip) >= 20:
        header = (ip[0] & 0x0F) * 4
        number, source, destination, rest = (
            ip[9],
            socket.inet_ntop(socket.AF_INET, ip[12:16]),
            socket.inet_ntop(socket.AF_INET, ip[16:20]),
            ip[header:],
        )
    elif version == 6 and len(ip) >= 40:
        number, source, destination, rest = (
            ip[6],
            socket.inet_ntop(socket.AF_INET6, ip[8:24]),
            socket.inet_ntop(socket.AF_INET6, ip[24:40]),
            ip[40:],
        )
    else:
        return Packet(interface, outgoing, "other", "", "", None, None)
    protocol = {6: "tcp", 17: "udp"}.get(number, str(number))
    if protocol not in ("tcp", "udp") or len(rest) < 4:
        return Packet(interface, outgoing, protocol, source, destination, None, None)
    source_port, destination_port = struct.unpack("!HH", rest[:4])
    names: tuple[str, ...] = ()
    if protocol == "udp" and ({53, 5353} & {source_port, destination_port}):
        names = _dns_names(rest[8:])
    return Packet(interface, outgoing, protocol, source, destination, source_port, destination_port, names)


def new_probe_name() -> str:
    return f"{secrets.token_hex(6)}{PROBE_SUFFIX}"


def is_browsers(packet: Packet, browser_ports: set[tuple[str, int]], probe_name: str = "") -> bool:
    """Whether ``packet`` is the browser's by the rules of this module."""
    if packet.local_port is not None and (packet.protocol, packet.local_port) in browser_ports:
        return True
    for name in packet.names:
        if name == probe_name or any(name == domain or name.endswith("." + domain) for domain in BROWSER_SERVICE_DOMAINS):
            return True
        if 5353 in (packet.source_port, packet.destination_port) and _MDNS_UUID.match(name):
            return True
    return False


def _parents() -> dict[int, int]:
    """Every process of the machine and its parent (from ``/proc/<pid>/stat``)."""
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # the command name in parentheses may hold spaces
        if len(fields) > 1 and fields[1].isdigit():
            parents[int(entry.name)] = int(fields[1])
    return parents


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def browser_processes(root: int | None = None) -> set[int]:
    """The processes of the browser this run drives: everything under Playwright's driver, a child of this process."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found, waiting = set(), [child for child in children.get(root, []) if "playwright" in _command(child)]
    while waiting:
        pid = waiting.pop()
        if pid not in found:
            found.add(pid)
            waiting.extend(children.get(pid, []))
    return found


def _socket_ports() -> dict[int, tuple[str, int]]:
    """Every socket inode of the machine's TCP and UDP tables and its (protocol, local port)."""
    ports = {}
    for protocol in ("tcp", "udp"):
        for table in (protocol, protocol + "6"):
            try:
                with open(f"/proc/net/{table}", encoding="ascii") as handle:
                    lines = handle.read().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if len(fields) > 9:
                    ports[int(fields[9])] = (protocol, int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        for entry in os.scandir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(entry.path)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    except OSError:
        pass
    return inodes


def capture_problem() -> str | None:
    """Why packets cannot be captured here, or None when they can."""
    try:
        Capture()._open().close()
    except CaptureUnavailable as problem:
        return str(problem)
    return None


@dataclass
class Capture:
    """Packets of every interface but loopback, from :meth:`start` to :meth:`stop`."""

    poll_seconds: float = 0.01
    probe_name: str = field(default_factory=new_probe_name)
    packets: list[Packet] = field(default_factory=list)
    browser_ports: set[tuple[str, int]] = field(default_factory=set)
    interfaces: set[str] = field(default_factory=set)

    @staticmethod
    def _open() -> socket.socket:
        if not hasattr(socket, "AF_PACKET"):
            raise CaptureUnavailable("capturing packets needs Linux's packet sockets, which this system does not have")
        try:
            return socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        except PermissionError:
            raise CaptureUnavailable("capturing packets needs root or CAP_NET_RAW; run the suite as root to check it") from None

    def start(self) -> None:
        self._socket = self._open()
        self._socket.settimeout(0.1)
        self.interfaces = {name for _, name in socket.if_nameindex() if not name.startswith("lo")}
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, name="traffic-capture", daemon=True),
            threading.Thread(target=self._watch_browser, name="traffic-browser-sockets", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._watch_once()
        self._stopping.set()
        for thread in self._threads:
            thread.join(5)
        self._socket.close()

    def _read(self) -> None:
        while not self._stopping.is_set():
            try:
                frame, address = self._socket.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            interface, _, kind, hardware = address[:4]
            if interface.startswith("lo") or hardware == 772:  # 772: ARPHRD_LOOPBACK
                continue
            try:
                self.packets.append(parse(frame, interface, kind == PACKET_OUTGOING, hardware))
            except (struct.error, ValueError, IndexError):
                self.packets.append(Packet(interface, kind == PACKET_OUTGOING, "other", "", "", None, None))

    def _watch_once(self) -> None:
        inodes = set()
        for pid in browser_processes():
            inodes |= _socket_inodes(pid)
        if inodes:
            ports = _socket_ports()
            self.browser_ports |= {ports[inode] for inode in inodes if inode in ports}

    def _watch_browser(self) -> None:
        while not self._stopping.is_set():
            self._watch_once()
            time.sleep(self.poll_seconds)

    def browsers(self) -> list[Packet]:
        return [packet for packet in list(self.packets) if is_browsers(packet, self.browser_ports, self.probe_name)]

    def others(self) -> Counter:
        return Counter(
            f"{p.protocol} {'out' if p.outgoing else 'in'}"
            for p in list(self.packets)
            if not is_browsers(p, self.browser_ports, self.probe_name)
        )
