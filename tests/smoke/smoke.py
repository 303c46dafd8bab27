#!/usr/bin/python3
"""Smoke test of the real burnbar-tray: started under Xvfb with a private session D-Bus
(run it through tests/smoke/run.sh), on a copy of a generated HOME.

Checks, as a user would see them: the tray icon registers and its label is today's spend
(the same number `burnbar snapshot` computes); the menu has its items; the menu's Open shows
the popover, whose window title carries the rendered spend; appending a call to a Claude log
changes the tray label and the popover within 1 s; Quit exits cleanly. Screenshots go to the
artifacts dir. Prints `smoke: N passed, N failed`."""

import asyncio
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from tray_host import Host

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests/fixtures/corpus/seed12-berlin-4tools"
results = []


def check(name, ok, detail=""):
    results.append((name, bool(ok)))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + str(detail)}", flush=True)


def money(cost):
    return f"${cost:,.2f}"


def expected_grade(cli, env):
    """The Tips card's grade, computed by the CLI on the same HOME (None: no card)."""
    with tempfile.TemporaryDirectory() as data:
        out = subprocess.run([cli, "snapshot", "--period", "today", "--offline"], env={**env, "BURNBAR_DATA_DIR": data},
                             capture_output=True, text=True, check=True).stdout
    tips = json.loads(out).get("tips")
    return tips["grade"] if tips and tips["findingCount"] > 0 else None


def expected_title(cli, env):
    """Today's tray title, computed by the CLI on the same HOME (its own index)."""
    with tempfile.TemporaryDirectory() as data:
        out = subprocess.run([cli, "snapshot", "--period", "today", "--offline"], env={**env, "BURNBAR_DATA_DIR": data},
                             capture_output=True, text=True, check=True).stdout
    t = json.loads(out)["today"]
    return ("~" if t["estimatedCost"] > 0 else "") + money(t["cost"]) + ("+" if t["unpricedCalls"] > 0 else "")


async def wait_for(probe, timeout, interval=0.02):
    """Polls the async `probe` until it returns a truthy value; (value, seconds) or (None, timeout)."""
    start = time.monotonic()
    while True:
        try:
            value = await probe()
        except Exception:  # the item may not be ready yet
            value = None
        if value:
            return value, time.monotonic() - start
        if time.monotonic() - start > timeout:
            return None, timeout
        await asyncio.sleep(interval)


def window_title():
    found = subprocess.run(["xdotool", "search", "--name", "^Burnbar"], capture_output=True, text=True).stdout.split()
    for wid in found:
        name = subprocess.run(["xdotool", "getwindowname", wid], capture_output=True, text=True).stdout.strip()
        if name.startswith("Burnbar · "):
            return name
    return None


def screenshot(path):
    subprocess.run(["import", "-window", "root", str(path)], check=False, capture_output=True)


def popover_screenshot(path):
    """The popover window alone (the README's picture, docs/images/popover.png, is this file)."""
    found = subprocess.run(["xdotool", "search", "--name", "^Burnbar · "], capture_output=True, text=True).stdout.split()
    if found:
        subprocess.run(["import", "-window", found[0], str(path)], check=False, capture_output=True)


def append_call(home):
    """One new assistant call, now, in an existing Claude Code session file."""
    files = sorted(f for f in glob.glob(f"{home}/.claude/projects/*/*.jsonl"))
    path = files[0]
    with open(path, encoding="utf-8", errors="replace") as f:
        first = next(json.loads(line) for line in f if '"sessionId"' in line)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    line = {
        "parentUuid": None, "isSidechain": False, "userType": "external", "cwd": first["cwd"],
        "sessionId": first["sessionId"], "version": "2.1.98", "type": "assistant", "uuid": str(uuid.uuid4()),
        "timestamp": now, "requestId": f"req_{uuid.uuid4().hex[:24]}",
        "message": {"model": "claude-sonnet-4-5", "id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message",
                    "role": "assistant", "content": [], "stop_reason": "end_turn",
                    "usage": {"input_tokens": 4000, "output_tokens": 20000, "cache_read_input_tokens": 100000,
                              "cache_creation_input_tokens": 5000}},
    }
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def make_home():
    home = Path(tempfile.mkdtemp(prefix="burnbar-smoke-"))
    shutil.copytree(CORPUS, home, dirs_exist_ok=True)
    tips_session(home)
    return home


def tips_session(home):
    """A session two days ago that reads three vendored files: the Tips card has something to
    say (`build-folder-reads`) whatever day the corpus ends on, and today's spend is not
    touched."""
    at = datetime.fromtimestamp(time.time() - 2 * 86400, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    sid = str(uuid.uuid4())
    lines = []
    for i in range(3):
        lines.append(json.dumps({
            "parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/home/dev/tips",
            "sessionId": sid, "version": "2.1.98", "type": "assistant", "uuid": str(uuid.uuid4()),
            "timestamp": at, "requestId": f"req_tips_{i}",
            "message": {"model": "claude-sonnet-4-5", "id": f"msg_tips_{i}", "type": "message",
                        "role": "assistant", "stop_reason": "tool_use",
                        "content": [{"type": "tool_use", "id": f"toolu_tips_{i}", "name": "Read",
                                     "input": {"file_path": f"/home/dev/tips/node_modules/p{i}/index.js"}}],
                        "usage": {"input_tokens": 10, "output_tokens": 10, "cache_read_input_tokens": 0,
                                  "cache_creation_input_tokens": 0}},
        }))
    d = home / ".claude/projects/-home-dev-tips"
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{sid}.jsonl").write_text("\n".join(lines) + "\n")


def make_env(home):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "DISPLAY": os.environ["DISPLAY"],
        "XAUTHORITY": os.environ.get("XAUTHORITY", ""),
        "DBUS_SESSION_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"],
        "BURNBAR_PRICES": str(home / "litellm-prices.json"),
        "BURNBAR_TRAY_KEEP_OPEN": "1",  # no window manager: focus never moves anyway
        "BURNBAR_TRAY_RELEASE_SECS": "2",
        "TZ": "UTC",
        "RUST_LOG": "burnbar=debug,warn",
    }


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


async def main(tray, cli, artifacts):
    artifacts.mkdir(parents=True, exist_ok=True)
    host = await Host().start()
    home = make_home()
    env = make_env(home)
    log = open(artifacts / "burnbar-tray.log", "w")
    proc = subprocess.Popen([tray], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        await run_checks(host, proc, cli, env, home, artifacts)
    finally:
        stop(proc)
        log.close()
        shutil.rmtree(home, ignore_errors=True)
    home = make_home()
    try:
        await alert_checks(host, tray, cli, home, artifacts)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    home = make_home()
    try:
        await limit_checks(host, tray, home, artifacts)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    home = make_home()
    try:
        await autostart_checks(host, tray, home, artifacts)
    finally:
        shutil.rmtree(home, ignore_errors=True)


async def autostart_checks(host, tray, home, artifacts):
    """Launch at login, switched on and off in the settings while the app runs: the user's own
    ~/.config/autostart entry, starting this binary, never a system-wide one."""
    _, _, log, proc = launch_with(host, tray, home, "launch_at_login = false\n",
                                  artifacts / "burnbar-tray-autostart.log")
    entry = home / ".config/autostart/burnbar.desktop"
    try:
        if not await started(host, proc):
            check("the app starts for the autostart checks", False, f"exited with {proc.returncode}")
            return
        system_before = set(glob.glob("/etc/xdg/autostart/*"))
        (home / ".config/burnbar/settings.toml").write_text("launch_at_login = true\n")
        found, secs = await wait_for(lambda: asyncio.sleep(0, entry.exists()), timeout=10, interval=0.1)
        text = entry.read_text() if found else ""
        exec_line = next((l for l in text.splitlines() if l.startswith("Exec=")), "")
        check("launch at login writes the user's ~/.config/autostart/burnbar.desktop",
              bool(found), f"no {entry} after 10 s")
        check("the entry starts this binary", os.path.realpath(tray) in exec_line, exec_line)
        check("nothing is written system-wide", set(glob.glob("/etc/xdg/autostart/*")) == system_before)
        (home / ".config/burnbar/settings.toml").write_text("launch_at_login = false\n")
        gone, _ = await wait_for(lambda: asyncio.sleep(0, not entry.exists()), timeout=10, interval=0.1)
        check("switching it off removes the entry", bool(gone))
    finally:
        stop(proc)
        log.close()


async def registered(host, proc):
    """The app's tray item (bus name, object path) once it registers; None if the app exited
    first. Raises when it does not register within 60 s."""
    host.reset_item()
    item = asyncio.ensure_future(host.item(timeout=60))
    while not item.done() and proc.poll() is None:
        await asyncio.sleep(0.05)
    if not item.done():
        item.cancel()
        return None
    return item.result()


async def started(host, proc):
    """Waits for the app's tray item and its first label; None if the app died or never
    registered."""
    try:
        item = await registered(host, proc)
    except Exception:  # noqa: BLE001
        return None
    if not item:
        return None
    name, path = item
    await wait_for(lambda: ok_label(host, name, path), timeout=60)
    return name, path


SETTINGS = """[[budgets]]
period = "daily"
usd = 0.30

[runaway]
enabled = true
window_minutes = 10
usd_in_window = 0.6
"""


def launch_with(host, tray, home, settings, log_path):
    """Writes `settings`, clears the notifications received, starts the app logging to
    `log_path`: (env, the notifications list, the log file, the process)."""
    env = make_env(home)
    (home / ".config/burnbar").mkdir(parents=True, exist_ok=True)
    (home / ".config/burnbar/settings.toml").write_text(settings)
    notes = host.notifications.received
    notes.clear()
    log = open(log_path, "w")
    return env, notes, log, subprocess.Popen([tray], env=env, stdout=log, stderr=subprocess.STDOUT)


async def alert_checks(host, tray, cli, home, artifacts):
    """Budgets and the runaway alert, end to end: notifications as the desktop receives them."""
    env, notes, log, proc = launch_with(host, tray, home, SETTINGS, artifacts / "burnbar-tray-alerts.log")
    try:
        item = await started(host, proc)
        if not item:
            check("the app starts with budgets set", False, f"exited with {proc.returncode}")
            return
        name, path = item
        await asyncio.sleep(1.0)
        check("no alert at start (nothing spent today)", not notes, notes)

        async def nth(n, prefix):
            return next((x for x in notes[n:] if x["summary"].startswith(prefix)), None)

        append_call(home)
        spend = expected_title(cli, env)
        note, secs = await wait_for(lambda: nth(0, "Daily budget"), timeout=5)
        check("crossing the daily budget notifies within 2 s", note and secs < 2.0, f"{note} after {secs:.2f} s")
        print(f"     budget notification {secs * 1000:.0f} ms after the append", flush=True)
        await asyncio.sleep(1.0)
        check("exactly one notification for 50/80/100% crossed at once", len(notes) == 1, notes)
        if note:
            check("it says the budget was reached, with amounts and scope",
                  note["summary"] == "Daily budget reached"
                  and note["body"] == f"{spend} of $0.30 today · all tools and projects", note)
            check("it comes from burnbar-tray, clickable to open the popover",
                  note["app_name"] == "burnbar-tray" and "default" in note["actions"], note)

        await asyncio.sleep(0.3)
        append_call(home)
        note, secs = await wait_for(lambda: nth(1, "Runaway session"), timeout=5)
        check("a session spending fast notifies once, naming project and model",
              note and note["summary"].endswith(" in 10 min")
              and note["body"].startswith("sdk-js · claude-sonnet-4-5 · Claude Code · "), note)
        await asyncio.sleep(0.3)
        append_call(home)
        await asyncio.sleep(1.5)
        check("no repeat for the same budget, threshold, day or session", len(notes) == 2, notes)

        subprocess.run([cli, "budget", "set", "daily", "1"], env=env, check=True, capture_output=True)
        spend = expected_title(cli, env)
        note, secs = await wait_for(lambda: nth(2, "Daily budget"), timeout=5)
        check("a budget changed with the CLI applies without a restart (and re-arms)",
              note and note["body"] == f"{spend} of $1.00 today · all tools and projects" and secs < 2.0,
              f"{note} after {secs:.2f} s")

        await host.click(name, path, "Quit Burnbar")
        proc.wait(10)
        count = len(notes)
        proc = subprocess.Popen([tray], env=env, stdout=log, stderr=subprocess.STDOUT)
        item = await started(host, proc)
        await asyncio.sleep(3.0)
        check("a restart repeats no alert", item and len(notes) == count, notes[count:])
    finally:
        stop(proc)
        log.close()


def append_rate_limits(home, used, resets_in=7200):
    """Codex reports its 5-hour window: a `token_count` with `info: null` and the server's
    `rate_limits`, appended to today's rollout (created with its `session_meta` first)."""
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    day = home / ".codex/sessions" / now.strftime("%Y/%m/%d")
    day.mkdir(parents=True, exist_ok=True)
    path = day / "rollout-smoke-limits.jsonl"
    lines = []
    if not path.exists():
        lines.append({"timestamp": stamp, "type": "session_meta",
                      "payload": {"id": "smoke-limits", "timestamp": stamp, "cwd": "/home/dev/limits",
                                  "originator": "codex_cli_rs", "cli_version": "0.63.0"}})
    lines.append({"timestamp": stamp, "type": "event_msg",
                  "payload": {"type": "token_count", "info": None,
                              "rate_limits": {"primary": {"used_percent": used, "window_minutes": 300,
                                                          "resets_at": int(time.time()) + resets_in}}}})
    with open(path, "a", encoding="utf-8") as f:
        f.write("".join(json.dumps(x) + "\n" for x in lines))


async def limit_checks(host, tray, home, artifacts):
    """Usage windows end to end: the tray title in "limit" mode follows a Codex snapshot within
    a second, and the 80 % / 95 % notifications arrive once each, never again after a restart."""
    env, notes, log, proc = launch_with(host, tray, home, '[tray]\ntitle = "limit"\n\n[runaway]\nenabled = false\n',
                                        artifacts / "burnbar-tray-limits.log")
    try:
        item = await started(host, proc)
        if not item:
            check("the app starts with the limit title", False, f"exited with {proc.returncode}")
            return
        name, path = item
        await asyncio.sleep(1.0)
        append_rate_limits(home, 85.0)
        label, secs = await wait_for(lambda: changed_to(host, name, path, "5h 85%"), timeout=5)
        check("a Codex snapshot moves the tray title (limit mode) within 1 s", label and secs < 1.0,
              f"{label!r} after {secs:.2f} s")
        print(f"     limit title {secs * 1000:.0f} ms after the append", flush=True)
        limit_notes = lambda: [x for x in notes if x["summary"].startswith("Codex 5-hour")]  # noqa: E731
        note, secs = await wait_for(lambda: asyncio.sleep(0, next(iter(limit_notes()), None)), timeout=5)
        check("crossing 80 % of the window notifies once, with the reset",
              note and note["summary"] == "Codex 5-hour window: 80% used" and note["body"].startswith("resets in "),
              note)
        append_rate_limits(home, 96.0)
        await wait_for(lambda: changed_to(host, name, path, "5h 96%"), timeout=5)
        note, _ = await wait_for(lambda: asyncio.sleep(0, limit_notes()[1] if len(limit_notes()) > 1 else None),
                                 timeout=5)
        check("crossing 95 % notifies again", note and note["summary"] == "Codex 5-hour window: 95% used", note)
        await host.click(name, path, "Open Burnbar")
        shown, _ = await wait_for(lambda: asyncio.sleep(0, titled(" · limit 96%")), timeout=30, interval=0.1)
        check("the popover's Limits section shows the window", shown, window_title())
        append_rate_limits(home, 97.0)
        await wait_for(lambda: changed_to(host, name, path, "5h 97%"), timeout=5)
        moved, secs = await wait_for(lambda: asyncio.sleep(0, titled(" · limit 97%")), timeout=5)
        check("a new Codex snapshot moves the open popover's bar within 1 s", moved and secs < 1.0,
              f"{window_title()} after {secs:.2f} s")
        screenshot(artifacts / "popover-limits.png")
        await asyncio.sleep(1.0)
        check("no repeat within the same window", len(limit_notes()) == 2, limit_notes())
        await host.click(name, path, "Quit Burnbar")
        proc.wait(10)
        count = len(limit_notes())
        proc = subprocess.Popen([tray], env=env, stdout=log, stderr=subprocess.STDOUT)
        item = await started(host, proc)
        await asyncio.sleep(3.0)
        check("a restart repeats no limit alert", item and len(limit_notes()) == count, limit_notes()[count:])
    finally:
        stop(proc)
        log.close()


def titled(part):
    t = window_title()
    return t if t and t.endswith(part) else None


async def changed_to(host, name, path, want):
    label = await host.label(name, path)
    return label if label == want else None


async def run_checks(host, proc, cli, env, home, artifacts):
    try:
        item = await registered(host, proc)
    except Exception as e:  # noqa: BLE001
        check("tray icon registers with the StatusNotifierWatcher", False, e)
        return
    if not item:
        check("the app starts", False, f"exited with {proc.returncode}; see burnbar-tray.log")
        return
    name, path = item
    check("tray icon registers with the StatusNotifierWatcher", True)
    label, _ = await wait_for(lambda: ok_label(host, name, path), timeout=60)
    want = expected_title(cli, env)
    check("tray label is today's spend, as the CLI computes it", label == want, f"{label!r} != {want!r}")

    _, items = await host.menu(name, path)
    labels = [t.replace("_", "") for _, t, _ in items]
    for wanted in ["Open Burnbar", "Refresh", "Settings…", "Quit Burnbar"]:
        check(f"menu has {wanted!r}", wanted in labels, labels)
    headline = next((t for _, t, enabled in items if t.startswith("Today: ")), None)
    check("menu headline shows today's spend", headline and headline.startswith(f"Today: {want}"), headline)
    version = subprocess.run([cli, "--version"], capture_output=True, text=True).stdout.strip()
    about = next((t for t in labels if t.startswith("Burnbar ")), None)
    check("the About line names the version, commit and build date, as burnbar --version does",
          about is not None and version.startswith("burnbar ") and about == "Burnbar " + version[len("burnbar "):]
          and ", built " in about, f"{about!r} vs {version!r}")

    await host.click(name, path, "Open Burnbar")
    title, secs = await wait_for(lambda: asyncio.sleep(0, window_title()), timeout=30, interval=0.1)
    check("Open shows the popover, rendering today's spend", title and f"Burnbar · {want} ·" in title, title)
    grade = expected_grade(cli, env)
    check("the popover shows the Tips card with the CLI's grade",
          grade is not None and title and title.endswith(f" · grade {grade}"), f"{title!r}, grade {grade!r}")
    await asyncio.sleep(0.5)
    screenshot(artifacts / "popover.png")

    append_call(home)
    before = label
    changed, secs = await wait_for(lambda: changed_label(host, name, path, before), timeout=10)
    after = expected_title(cli, env)
    check("an appended call changes the tray label within 1 s", changed and secs < 1.0, f"{changed!r} after {secs:.2f} s")
    check("the new label is the new total", changed == after, f"{changed!r} != {after!r}")
    print(f"     label {before} -> {changed} in {secs * 1000:.0f} ms", flush=True)
    ptitle, psecs = await wait_for(lambda: asyncio.sleep(0, popover_has(after)), timeout=10)
    total = secs + psecs
    check("the open popover shows the new total within 1 s of the append", ptitle and total < 1.0, f"{ptitle!r} after {total:.2f} s")
    print(f"     popover shows {after} {total * 1000:.0f} ms after the append", flush=True)
    await asyncio.sleep(0.3)
    screenshot(artifacts / "popover-after-append.png")
    popover_screenshot(artifacts / "popover-window.png")

    await release_and_reopen(host, name, path, proc, after, artifacts)

    check("the app is still running", proc.poll() is None, proc.returncode)
    second = subprocess.Popen([proc.args[0]], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        second.wait(15)
        check("a second launch hands over to the first and exits", proc.poll() is None and second.returncode == 0, second.returncode)
    except subprocess.TimeoutExpired:
        second.kill()
        check("a second launch hands over to the first and exits", False, "second instance kept running")
    await host.click(name, path, "Quit Burnbar")
    try:
        code = proc.wait(10)
        check("Quit exits cleanly", code == 0, code)
    except subprocess.TimeoutExpired:
        check("Quit exits cleanly", False, "still running after 10 s")


def children(pid):
    """Names of the direct children of pid."""
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            rest = stat.rsplit(")", 1)[1].split()
            if len(rest) > 1 and rest[1] == str(pid):
                out.append(stat[stat.index("(") + 1:stat.rindex(")")])
    return out


async def release_and_reopen(host, name, path, proc, total, artifacts):
    """Escape hides the popover; after BURNBAR_TRAY_RELEASE_SECS it is released with every
    WebKit process; Open brings it back, rendering the numbers again."""
    for w in subprocess.run(["xdotool", "search", "--name", "^Burnbar"], capture_output=True, text=True).stdout.split():
        subprocess.run(["xdotool", "windowfocus", "--sync", w, "key", "Escape"], capture_output=True, timeout=10)
    webkit = lambda: [c for c in children(proc.pid) if c.startswith("WebKit")]
    check("the popover starts WebKit processes", bool(webkit()), children(proc.pid))
    gone, secs = await wait_for(lambda: asyncio.sleep(0, window_title() is None and not webkit()), timeout=15, interval=0.2)
    check("a released popover leaves no WebKit process behind", gone, webkit())
    print(f"     released with its WebKit processes {secs:.1f} s after Escape", flush=True)
    await host.click(name, path, "Open Burnbar")
    title, secs = await wait_for(lambda: asyncio.sleep(0, popover_has(total)), timeout=30, interval=0.1)
    check("the popover opens again after its release, with today's spend", title, window_title())
    await asyncio.sleep(0.5)
    screenshot(artifacts / "popover-reopened.png")


def popover_has(total):
    t = window_title()
    return t if t and f"Burnbar · {total} ·" in t else None


async def ok_label(host, name, path):
    label = await host.label(name, path)
    return label if label and label not in ("…", "") else None


async def changed_label(host, name, path, before):
    label = await host.label(name, path)
    return label if label and label != before else None


if __name__ == "__main__":
    tray, cli, artifacts = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    asyncio.run(main(tray, cli, artifacts))
    passed = sum(ok for _, ok in results)
    failed = len(results) - passed
    print(f"smoke: {passed} passed, {failed} failed")
    sys.exit(1 if failed or not results else 0)
