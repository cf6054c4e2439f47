"""Which addresses a port listens on, as the kernel says (for the "127.0.0.1 only" tests)."""

from __future__ import annotations

from pathlib import Path

#: 127.0.0.1 as /proc/net/tcp writes it (little-endian hex); 0.0.0.0 or :: would be every address
LOOPBACK = "0100007F"


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the TCP sockets listening on ``port`` (from /proc/net/tcp{,6},
    the kernel's own table: what a scan from another machine would find)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found
