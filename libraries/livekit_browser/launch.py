"""The Chromium command line that keeps a browser client on the loopback path.

- ``--disable-features=WebRtcHideLocalIpsWithMdns``: otherwise WebRTC hides the host address
  behind an mDNS name and announces it with multicast packets on the machine's network.
- ``--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"``: every host name but the
  loopback address resolves to nothing, so the browser looks up no name (Google's hosts among them).
  A server named by another host (``LIVEKIT_URL``) is excluded too, so that the browser reaches it.
- ``--allow-loopback-in-peer-connection`` where the machine has only a loopback interface: WebRTC
  ignores loopback addresses otherwise and finds no candidate at all.

Chromium keeps only the last ``--disable-features`` of its command line, and Playwright passes a
list of its own, so the two are merged into one: Playwright's list is read from its pinned driver
and left out of its defaults (``ignore_default_args``), the merged list takes its place.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

OWN_DISABLED_FEATURES = ("WebRtcHideLocalIpsWithMdns",)
HOST_RESOLVER_RULES = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
LOOPBACK_ONLY_FLAG = "--allow-loopback-in-peer-connection"
# Media without devices or prompts: the page publishes a canvas, never a camera or microphone.
MEDIA_FLAGS = ("--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required")
# Playwright 1.65.2's own list (chromiumSwitches.ts), used when its driver cannot be read.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "msForceBrowserSignIn",
    "msEdgeUpdateLaunchServicesPreferredVersion",
)
_LIST = re.compile(r"disabledFeatures\s*=\s*\[(.*?)\]\s*\.filter\(Boolean\)", re.S)
_NAME = re.compile(r'"([A-Za-z0-9_]+)"')


def playwright_disabled_features(bundle: Path | None = None) -> tuple[str, ...]:
    """The features Playwright's driver disables, read from the driver itself (else its 1.65.2 list)."""
    if bundle is None:
        try:
            import playwright

            bundle = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"
        except ImportError:
            return PLAYWRIGHT_DISABLED_FEATURES
    try:
        text = bundle.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return PLAYWRIGHT_DISABLED_FEATURES
    found = _LIST.search(text)
    if not found:
        return PLAYWRIGHT_DISABLED_FEATURES
    body = re.sub(r"//[^\n]*", "", found.group(1))
    names = tuple(_NAME.findall(body))
    return names or PLAYWRIGHT_DISABLED_FEATURES


def only_loopback_interfaces() -> bool:
    """True when the machine has no network interface but loopback ones."""
    try:
        names = [name for _, name in socket.if_nameindex()]
    except (OSError, AttributeError):  # Windows before Python 3.12 has no if_nameindex
        return False
    return bool(names) and all(name == "lo" or name.startswith("lo") for name in names)


def disable_features_argument(playwright_features=None) -> str:
    features = list(playwright_disabled_features() if playwright_features is None else playwright_features)
    features += [name for name in OWN_DISABLED_FEATURES if name not in features]
    return "--disable-features=" + ",".join(features)


def resolver_rules(server_host: str | None = None) -> str:
    """The host resolver rules: nothing resolves but 127.0.0.1 and the server's own host."""
    if not server_host or server_host == "127.0.0.1" or not re.fullmatch(r"[A-Za-z0-9.:\[\]_-]+", server_host):
        return HOST_RESOLVER_RULES
    return f"{HOST_RESOLVER_RULES}, EXCLUDE {server_host}"


def launch_options(
    executable: Path,
    headless: bool = True,
    loopback_only: bool | None = None,
    server_host: str | None = None,
    server_key_pin: str | None = None,
) -> dict:
    """Keyword arguments for Playwright's ``chromium.launch``: the system browser, the loopback flags.

    ``server_key_pin``: the SPKI pin of a ``wss://`` server's certificate that verified with the
    user's CA (``SSL_CERT_FILE``), which Chromium does not read; the browser accepts that key.
    """
    playwright_features = playwright_disabled_features()
    arguments = [disable_features_argument(playwright_features), resolver_rules(server_host), *MEDIA_FLAGS]
    if server_key_pin:
        arguments.append(f"--ignore-certificate-errors-spki-list={server_key_pin}")
    if only_loopback_interfaces() if loopback_only is None else loopback_only:
        arguments.append(LOOPBACK_ONLY_FLAG)
    return {
        "executable_path": str(executable),
        "headless": headless,
        "args": arguments,
        "ignore_default_args": ["--disable-features=" + ",".join(playwright_features)],
        # The browser needs none of the run's settings, and gets none of its secrets.
        "env": {name: value for name, value in os.environ.items() if not name.startswith("LIVEKIT_")},
    }
