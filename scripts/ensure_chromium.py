"""Make sure Debian's chromium is installed for the browser tests (never downloads a browser build)."""

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    if os.path.exists(CHROMIUM):
        return 0
    apt = shutil.which("apt-get")
    if not apt:
        print(f"{CHROMIUM} is missing and apt-get is not available: install Debian's chromium.", file=sys.stderr)
        return 1
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("Installing Debian's chromium for the browser tests…", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, apt, "update", "-qq"], check=True, env=env)  # noqa: S603
    subprocess.run([*sudo, apt, "install", "-y", "-qq", "chromium"], check=True, env=env)  # noqa: S603
    return 0


if __name__ == "__main__":
    sys.exit(main())
