import socket

import pytest

from tests.campaigns.conftest import inline_tasks, make_sandbox_subscribers  # noqa: F401


@pytest.fixture
def hosts(monkeypatch):
    """A hosts-file mapping for the test: ``hosts({"fcm.googleapis.com": ["10.1.2.3"]})``.

    The real thing (a DNS answer we do not control) cannot be arranged offline, so this replaces
    ``socket.getaddrinfo`` for the named hosts only, the way /etc/hosts would; every other name
    resolves normally. The sender's real resolver (aiohttp's threaded resolver) goes through
    ``socket.getaddrinfo``, so everything after the lookup is real.
    """
    real = socket.getaddrinfo
    mapping: dict[str, list[str]] = {}

    def fake(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        addresses = mapping.get((name or "").lower().rstrip("."))
        if addresses is None:
            return real(host, port, family, type, proto, flags)
        port = int(port or 0)
        infos = []
        for address in addresses:
            if ":" in address:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            elif family in (0, socket.AF_UNSPEC, socket.AF_INET):
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return infos

    monkeypatch.setattr(socket, "getaddrinfo", fake)

    def set_mapping(entries: dict[str, list[str]]) -> None:
        mapping.update({name.lower(): list(addresses) for name, addresses in entries.items()})

    return set_mapping
