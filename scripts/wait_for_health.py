"""Wait until the app answers /healthz with 200 (used by `make run` before connecting the demo org)."""

import sys
import time
import urllib.request

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/healthz"
DEADLINE_SECONDS = 120


def healthy() -> bool:
    try:
        with urllib.request.urlopen(URL, timeout=2) as response:  # noqa: S310 (a local URL we choose)
            return response.status == 200
    except OSError:
        return False


def main() -> int:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if healthy():
            return 0
        time.sleep(1)
    print(f"{URL} did not answer 200 within {DEADLINE_SECONDS} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
