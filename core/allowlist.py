"""Which base URLs a source may call (RELIABILITY.md F17, OWASP SSRF): the vendor's documented hosts over
https, hosts added by configuration, and loopback only when the sandbox is the configured target."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from .errors import UrlNotAllowedError

VENDOR_HOSTS = {
    "salesforce": re.compile(r"^[a-z0-9-]+(\.(sandbox|develop|scratch|demo))?\.my\.salesforce\.com$"),
    "ironclad": re.compile(r"^(na1|eu1|demo)\.ironcladapp\.com$"),
    "kantata": re.compile(r"^api\.(mavenlink|kantata)\.com$"),
    "netsuite": re.compile(r"^[a-z0-9-]+\.suitetalk\.api\.netsuite\.com$"),
}
LOOPBACK_NAMES = {"localhost"}


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(vendor: str, url: str, setting: str, *, sandbox: bool, extra_hosts: tuple[str, ...] = ()) -> str:
    """Return `url` if allowed, else raise UrlNotAllowedError naming the setting (before any socket opens)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise UrlNotAllowedError(f"{setting} must be an http(s) URL with a host (scheme {parts.scheme!r})",
                                 vendor=vendor, setting=setting)
    if parts.username or parts.password:
        raise UrlNotAllowedError(f"{setting} must not carry credentials in the URL", vendor=vendor, setting=setting)
    if _is_loopback(host):
        if sandbox:
            return url
        raise UrlNotAllowedError(f"{setting} points to loopback host {host}, allowed only when the sandbox is the "
                                 "configured target", vendor=vendor, setting=setting)
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None and (address.is_link_local or address.is_private or address.is_reserved):
        raise UrlNotAllowedError(f"{setting} points to a private or link-local address ({host})",
                                 vendor=vendor, setting=setting)
    if parts.scheme != "https":
        raise UrlNotAllowedError(f"{setting} must use https", vendor=vendor, setting=setting)
    if host in {h.lower() for h in extra_hosts} or VENDOR_HOSTS[vendor].match(host):
        return url
    raise UrlNotAllowedError(f"{setting} host {host} is not a documented {vendor} host", vendor=vendor, setting=setting)
