"""Which addresses a webhook may reach: public ones, plus the networks an operator opens.

A webhook URL is chosen by an account, and the worker POSTs to it from inside the
organization's network; without this check any account could aim it at the database, a
metadata service or an intranet page and read what answers (server-side request forgery).
So a URL is refused when its host is, or resolves to, an address that is not globally
routable: loopback, private (RFC 1918), shared (100.64/10), link-local, unique-local,
multicast, reserved, documentation or unspecified, in IPv4 or IPv6, including IPv4 addresses
carried inside IPv6 ones (``::ffff:127.0.0.1``, 6to4, Teredo, NAT64). Odd spellings
(``2130706433``, ``0x7f.1``, ``0177.0.0.1``) are read the way the C resolver reads them, and
``localhost`` names (RFC 6761) are refused by name.

The check runs twice: when a subscription is created or changed (so the owner hears at once)
and when the worker connects, on the very addresses it connects to (DNS can answer something
else later). ``EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS`` opens chosen networks (closed government
networks, tests with local receivers); an address inside one of them is allowed whatever it is.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class RefusedAddress(Exception):
    """The host is or resolves to an address webhooks may not reach."""

    def __init__(self, host: str, address: str | None = None) -> None:
        shown = host if address is None or address == host else f"{host} ({address})"
        super().__init__(f"{shown} is not a public address")
        self.host = host
        self.address = address


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Read a comma-separated list of CIDRs (``10.20.0.0/16, fd00::/8``); raise ValueError."""
    found: list[IPNetwork] = []
    for part in text.split(","):
        part = part.strip()
        if part:
            found.append(ipaddress.ip_network(part, strict=False))
    return tuple(found)


def _embedded(address: IPAddress) -> list[IPAddress]:
    """The address and the IPv4 addresses an IPv6 one carries (mapped, 6to4, Teredo, NAT64)."""
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.append(address.teredo[1])
        if address in _NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _public(address: IPAddress) -> bool:
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def allowed(address: IPAddress, networks: Sequence[IPNetwork] = ()) -> bool:
    """Whether a webhook may connect to ``address`` (public, or inside an opened network)."""
    candidates = _embedded(address)
    if any(a in n for a in candidates for n in networks if a.version == n.version):
        return True
    return all(_public(a) for a in candidates)


def literal(host: str) -> IPAddress | None:
    """The address a host names literally, in any spelling the C resolver accepts, or None."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        pass
    try:
        # inet_aton reads 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 as getaddrinfo would.
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except (OSError, ValueError):
        return None


def is_localhost_name(host: str) -> bool:
    """``localhost``, ``localhost.`` and names under it always mean this machine (RFC 6761)."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def check_addresses(
    host: str, addresses: Iterable[IPAddress], networks: Sequence[IPNetwork] = ()
) -> None:
    """Raise ``RefusedAddress`` if any of the addresses ``host`` resolved to is refused."""
    for address in addresses:
        if not allowed(address, networks):
            raise RefusedAddress(host, str(address))


def check_host(host: str, networks: Sequence[IPNetwork] = ()) -> None:
    """Check a URL's host when a subscription is written: its literal address or every address
    it resolves to now. A name that does not resolve (yet) passes: the worker checks again."""
    address = literal(host)
    if address is not None:
        check_addresses(host, [address], networks)
        return
    if is_localhost_name(host):
        loopback = ipaddress.ip_address("127.0.0.1")
        if not allowed(loopback, networks):
            raise RefusedAddress(host)
        return
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return
    check_addresses(host, [ipaddress.ip_address(str(info[4][0])) for info in infos], networks)
