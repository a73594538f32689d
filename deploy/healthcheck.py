"""The container's health check: GET /healthz on the bot's own HTTP server, from inside the container.

Exit 0 when it answers 200; 1 otherwise, with the reason on one line (`docker inspect` keeps the last few),
and Docker marks the container unhealthy after a few failures in a row. The server is the webhook's
(BOT_WEBHOOK_LISTEN, default 127.0.0.1:8443) when BOT_WEBHOOK_URL is set, else BOT_METRICS_LISTEN (long polling;
off unless set). Standard library only: the slim image has no curl, and none is needed.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_WEBHOOK_LISTEN = "127.0.0.1:8443"
TIMEOUT_SECONDS = 4


def health_url(environ: dict[str, str]) -> str | None:
    if environ.get("BOT_WEBHOOK_URL"):
        listen = environ.get("BOT_WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN
    elif environ.get("BOT_METRICS_LISTEN"):
        listen = environ["BOT_METRICS_LISTEN"]
    else:
        return None
    host, _, port = listen.strip().rpartition(":")
    host = host.strip("[]")
    # A server listening on every address is reached on this container's own loopback.
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}/healthz" if ":" in host else f"http://{host}:{port}/healthz"


def main() -> int:
    url = health_url(dict(os.environ))
    if url is None:
        print("no health endpoint: set BOT_METRICS_LISTEN (long polling) or BOT_WEBHOOK_URL (webhook)")
        return 1
    # No proxy from the environment: the server is in this container.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            print(f"{response.status} {response.read(300).decode('utf-8', 'replace').strip()}")
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:  # 503 with the reason in the body
        print(f"{error.code} {error.read(300).decode('utf-8', 'replace').strip()}")
        return 1
    except (OSError, ValueError) as error:
        print(f"no answer from {url}: {type(error).__name__}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
