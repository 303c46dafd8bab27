#!/usr/bin/python3
"""Cold start of the real burnbar-tray: from exec to its tray item registering with the
StatusNotifierWatcher over D-Bus, and to the title showing today's spend (the first sync done;
read from the app's own log, whose timestamps are UTC), over a copy of the committed four-tool
corpus. A fresh index each run (the first sync reads everything) unless --warm. Run under Xvfb
with a private D-Bus:

    dbus-run-session -- xvfb-run -a tests/smoke/startup.py <burnbar-tray> <runs> [--warm]

Prints the medians; shared machines are noisy, so quote medians of several runs."""

import asyncio
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime

from smoke import make_env, make_home, stop
from tray_host import Host

SPEND = re.compile(r"^(\S+Z) DEBUG burnbar_tray::tray: tray updated title=\$")


async def once(host, tray, env):
    host.reset_item()
    log = tempfile.NamedTemporaryFile(prefix="burnbar-startup-", suffix=".log")
    wall = time.time()
    started = time.perf_counter()
    proc = subprocess.Popen([tray], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        await asyncio.wait_for(host.watcher.registered.wait(), 60)
        registered = time.perf_counter() - started
        shown = None
        deadline = time.perf_counter() + 60
        while shown is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
            for line in open(log.name, errors="replace"):
                m = SPEND.match(line)
                if m:
                    at = datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
                    shown = at - wall
                    break
        return registered, shown
    finally:
        stop(proc)
        log.close()


async def main(tray, runs, warm):
    host = await Host().start()
    item, label = [], []
    home = make_home()
    env = make_env(home)
    try:
        if warm:
            await once(host, tray, env)  # the index, as a second start finds it
        for _ in range(runs):
            if not warm:
                shutil.rmtree(home / ".local/share/burnbar", ignore_errors=True)
            a, b = await once(host, tray, env)
            item.append(a)
            label.append(b)
            await asyncio.sleep(0.5)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    kind = "warm (index kept)" if warm else "cold (fresh index)"
    print(f"{kind}: tray item registered after {statistics.median(item) * 1e3:.0f} ms, "
          f"today's spend in the title after {statistics.median(label) * 1e3:.0f} ms (medians of {runs})")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), "--warm" in sys.argv[3:]))
