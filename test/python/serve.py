"""Serves an ASGI app on 127.0.0.1, on a port the OS picks, and prints
`listening on http://127.0.0.1:<port>` once connections are accepted. SIGTERM stops uvicorn
gracefully and the interpreter then exits normally (0), so the langsmith SDK's tracing thread
sends what it has queued first.

  python serve.py guide:<middleware|tracing_context|langsmith_extra>
  python serve.py otel
"""
import signal
import socket
import sys

import uvicorn


def load(name: str):
    if name.startswith("guide:"):
        from guide_servers import APPS

        return APPS[name.split(":", 1)[1]]()
    if name == "otel":
        from otel_peer import server_app

        return server_app()
    raise SystemExit(f"unknown app {name}")


def main() -> None:
    app = load(sys.argv[1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # listening before the port is printed: early connections queue
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    # uvicorn re-raises the SIGTERM it shut down on, to whatever handler was there before it: with
    # the default one the process dies at once, before the SDK's exit-time drain of its queue.
    signal.signal(signal.SIGTERM, lambda *_: None)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
