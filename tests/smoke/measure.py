#!/usr/bin/python3
"""Idle cost of the real burnbar-tray: CPU (% of one core) and RSS (app + WebKit processes)
with the popover closed, open, and hidden again until released. Run through
`scripts/measure-tray.sh` (Xvfb + private D-Bus, like the smoke test):

    measure.py <burnbar-tray> <seconds per state> <HOME to read>

Prints one line per state (CPU, RSS), the wakeups per second over every thread of the app and
its WebKit processes with the busiest threads (from /proc/<pid>/task/*/status context
switches), and the app's largest mapped files; quote medians of several runs
(shared machines are noisy). MEASURE_SHOT=<file.png> saves a screenshot of the open popover;
WEBKIT_*, GDK_*, GALLIUM_* and LIBGL_* variables are passed on to the app (for experiments)."""

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from smoke import wait_for, window_title
from tray_host import Host

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree(root):
    """The pid and all its descendants."""
    children = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def anonymous(pid):
    """Bytes of pid's resident memory that are its own (heap, stacks), not mapped files such
    as shared libraries, which the kernel can drop and read back."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Anonymous:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def largest_files(pid, n=8):
    """The files mapped into pid with the most resident memory: [(MiB, name)]."""
    by_file, name = {}, None
    try:
        lines = Path(f"/proc/{pid}/smaps").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5:  # a mapping's header line
            name = Path(head[5]).name if len(head) >= 6 and head[5].startswith("/") else None
        elif name and line.startswith("Rss:"):
            by_file[name] = by_file.get(name, 0) + int(head[1]) * 1024
    top = sorted(by_file.items(), key=lambda kv: -kv[1])[:n]
    return [(v / 2**20, k) for k, v in top]


def sample(root):
    """(cpu seconds, rss bytes, {name: rss}, anonymous bytes) over the process tree."""
    cpu, rss, names, anon = 0.0, 0, {}, 0
    for pid in tree(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat.rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / TICK
            pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        rss += pages * PAGE
        names[name] = names.get(name, 0) + pages * PAGE
        anon += anonymous(pid)
    return cpu, rss, names, anon


def switches(root):
    """Context switches (voluntary + involuntary: each is a wakeup of that thread) per thread
    of the process tree: {(pid, tid): (process name, thread name, count)}."""
    out = {}
    for pid in tree(root):
        try:
            pname = Path(f"/proc/{pid}/comm").read_text().strip()
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                fields = dict(
                    line.split(":", 1) for line in (task / "status").read_text().splitlines() if ":" in line
                )
                count = int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])
                out[(pid, int(task.name))] = (pname, fields["Name"].strip(), count)
            except (OSError, KeyError, ValueError):
                continue
    return out


def wakeups(before, after, seconds):
    """(wakeups per second over every thread, [(per second, "process/thread")] busiest first)."""
    per = []
    for key, (pname, tname, count) in after.items():
        was = before.get(key, (pname, tname, 0))[2]
        if count > was:
            per.append(((count - was) / seconds, f"{pname}/{tname}"))
    per.sort(reverse=True)
    return sum(r for r, _ in per), per


def measure(label, pid, seconds):
    c0, _, _, _ = sample(pid)
    w0 = switches(pid)
    time.sleep(seconds)
    c1, rss, names, anon = sample(pid)
    w1 = switches(pid)
    pct = (c1 - c0) / seconds * 100
    parts = ", ".join(f"{n} {v / 2**20:.0f}" for n, v in sorted(names.items()))
    print(f"{label:<28} cpu {pct:6.3f} % of a core over {seconds:.0f} s   rss {rss / 2**20:6.1f} MiB ({parts}; "
          f"anonymous {anon / 2**20:.0f})", flush=True)
    total, per = wakeups(w0, w1, seconds)
    busiest = ", ".join(f"{name} {rate:.2f}" for rate, name in per[:6])
    print(f"{'':<28} wakeups {total:.2f}/s over every thread; busiest (per s): {busiest or 'none'}", flush=True)
    files = ", ".join(f"{name} {mib:.0f}" for mib, name in largest_files(pid))
    print(f"{'':<28} the app's largest mapped files (MiB): {files}", flush=True)


async def main(tray, seconds, home):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "DISPLAY": os.environ["DISPLAY"],
        "XAUTHORITY": os.environ.get("XAUTHORITY", ""),
        "DBUS_SESSION_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"],
        "BURNBAR_TRAY_KEEP_OPEN": "1",
        "BURNBAR_TRAY_RELEASE_SECS": "5",
    }
    for k in os.environ:
        if k in ("BURNBAR_PRICES", "BURNBAR_DATA_DIR", "TZ") or k.startswith(("WEBKIT_", "GDK_", "GALLIUM_", "LIBGL_")):
            env[k] = os.environ[k]
    host = await Host().start()
    proc = subprocess.Popen([tray], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        name, path = await host.item(timeout=120)

        async def scanned():
            label = await host.label(name, path)
            return label if label and label not in ("…",) else None

        label, secs = await wait_for(scanned, timeout=600, interval=0.2)
        print(f"first scan done in {secs:.1f} s; tray label {label}", flush=True)
        await asyncio.sleep(3)
        measure("popover never opened", proc.pid, seconds)
        await host.click(name, path, "Open Burnbar")
        await wait_for(lambda: asyncio.sleep(0, window_title()), timeout=30, interval=0.1)
        await asyncio.sleep(3)
        if os.environ.get("MEASURE_SHOT"):
            subprocess.run(["import", "-window", "root", os.environ["MEASURE_SHOT"]], capture_output=True, timeout=30)
        measure("popover open", proc.pid, seconds)
        wid = subprocess.run(["xdotool", "search", "--name", "^Burnbar"], capture_output=True, text=True).stdout.split()
        for w in wid:
            subprocess.run(["xdotool", "windowfocus", "--sync", w, "key", "Escape"], capture_output=True, timeout=10)
        await asyncio.sleep(8)  # hidden, then released after BURNBAR_TRAY_RELEASE_SECS=5
        measure("popover hidden + released", proc.pid, seconds)
        # the first window includes the idle loop reading back the few pages it needs after
        # the release's page-out; the next one is the steady state
        measure("  ... the next window", proc.pid, seconds)
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3]))
