"""Running the app under uvicorn with bounded connections: timeouts, limits, a pre-bound socket.

Measured on the unhardened server: idle connections stayed open for ever (200 held
25 s, 20 slow-header connections held 70 s) because uvicorn's only timer is the
keep-alive one, armed after a response. Here:

* ``HEADER_TIMEOUT_S``: a connection must deliver a complete request head within
  this time of opening (or of its previous response), else it is closed;
* ``KEEP_ALIVE_S``: an idle keep-alive connection is closed after this;
* ``LIMIT_CONCURRENCY``: past this many connections or tasks uvicorn answers 503
  at once (the heavy-request pool of :mod:`web.heavy` bounds the CPU work below it);
* ``MAX_HEADER_BYTES``: a request head larger than this is a 400 from h11.

The socket is bound here, before uvicorn starts, so a bad address or a port in use
is one line on stderr and exit 2 instead of uvicorn's log and exit 3.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

from indexer.errors import JumelageError

HEADER_TIMEOUT_S = 10.0  # also web.h11_timeouts' default
KEEP_ALIVE_S = 5
LIMIT_CONCURRENCY = 128
MAX_HEADER_BYTES = 32 * 1024
BACKLOG = 256
GRACEFUL_SHUTDOWN_S = 10
SWITCH_INTERVAL_S = 0.001


class ServeError(JumelageError, ValueError):
    """The server cannot start (address, port): one line, exit 2."""


@dataclass(frozen=True)
class ServerLimits:
    header_timeout_s: float = HEADER_TIMEOUT_S
    keep_alive_s: int = KEEP_ALIVE_S
    limit_concurrency: int = LIMIT_CONCURRENCY


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, ready for uvicorn.

    Raises
    ------
    ServeError
        For an address this machine does not have, a port in use or one that needs privileges.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as err:
        raise ServeError(
            f"cannot listen on {host!r}: {getattr(err, 'strerror', None) or err}: "
            "use an address of this machine, e.g. --host 127.0.0.1"
        ) from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise ServeError(
                f"port {port} on {host} is already in use: stop the other server or choose another port with --port"
            ) from None
        if err.errno == errno.EACCES:
            raise ServeError(f"port {port} needs administrator rights: choose a port above 1023 with --port") from None
        raise ServeError(f"cannot listen on {host}:{port}: {err.strerror}: check --host and --port") from None
    sock.set_inheritable(True)
    return sock


def run(app, sock: socket.socket, limits: ServerLimits = ServerLimits(), log_level: str = "warning") -> bool:
    """Serve ``app`` on ``sock`` until interrupted; ``False`` when the app failed to start."""
    import sys

    import uvicorn

    from web.h11_timeouts import HeaderTimeoutH11Protocol

    HeaderTimeoutH11Protocol.header_timeout = limits.header_timeout_s
    config = uvicorn.Config(
        app,
        http=HeaderTimeoutH11Protocol,
        log_level=log_level,
        timeout_keep_alive=limits.keep_alive_s,
        limit_concurrency=limits.limit_concurrency,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        backlog=BACKLOG,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        server_header=False,
    )
    # The event loop shares the GIL with the pool threads; at the default 5 ms switch interval
    # each step of a /healthz answer could wait 5 ms for a searching thread to let go.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return server.started
