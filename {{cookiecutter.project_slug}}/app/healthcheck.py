"""Container health check without curl: `python -m app.healthcheck` exits 0 when the service is live."""
import sys
import urllib.request

from app.core.config import HEALTH_PATH, get_settings

TIMEOUT_SECONDS = 2


def check(url: str) -> bool:
    """True when the URL answers 200 within the timeout."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> int:
    url = f"http://127.0.0.1:{get_settings().port}{HEALTH_PATH}"
    return 0 if check(url) else 1


if __name__ == "__main__":
    sys.exit(main())
