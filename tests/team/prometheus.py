#!/usr/bin/env python3
"""End to end: `burnbar serve` scraped by a real Prometheus (Debian's package), issue 21.

    tests/team/prometheus.py BURNBAR_BINARY

Over a copy of a committed corpus HOME it checks, through Prometheus's HTTP API:
  - sum(burnbar_cost_usd_total) equals `burnbar report --period all --format json` overview.cost;
  - after a call is appended to a transcript, the sum grows by exactly that call's cost (priced
    here by hand from the fixture price table), today's gauge too;
  - after restarting `burnbar serve`, and after a restart with every price halved (a re-price
    that lowers the totals), resets(burnbar_cost_usd_total[10m]) is 0 for every series;
  - every panel query of docs/grafana/burnbar.json returns data;
  - a prompt marker planted in the logs never reaches Prometheus.
Prints `team: N passed, M failed` (./test adds it to its closing line); exit 1 on a failure.
"""

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests/fixtures/corpus/seed12-berlin-4tools")
PRICES = os.path.join(ROOT, "tests/fixtures/prices.json")
DASHBOARD = os.path.join(ROOT, "docs/grafana/burnbar.json")
MARKER = "PROMPT-MARKER-5b1e-never-exported"
SCRAPE = 1  # seconds

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"FAIL - {name}{': ' + detail if detail else ''}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def query(prom, expr):
    url = f"http://127.0.0.1:{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    answer = json.loads(get(url))
    if answer.get("status") != "success":
        raise RuntimeError(f"{expr}: {answer}")
    return answer["data"]["result"]


def scalar(prom, expr):
    r = query(prom, expr)
    return float(r[0]["value"][1]) if r else None


def wait_for(what, probe, timeout=40):
    """Polls probe() until it returns something truthy; returns its last value."""
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        try:
            value = probe()
            if value:
                return value
        except Exception as e:  # Prometheus or serve still starting
            value = e
        time.sleep(0.3)
    print(f"   (gave up waiting for {what}: {value})")
    return None


def main():
    burnbar = os.path.abspath(sys.argv[1])
    prometheus = shutil.which("prometheus") or "/usr/bin/prometheus"
    work = tempfile.mkdtemp(prefix="burnbar-team-")
    home = os.path.join(work, "home")
    shutil.copytree(CORPUS, home, ignore=shutil.ignore_patterns("expected.json", "*prices.json"))
    env = dict(
        os.environ,
        HOME=home,
        XDG_DATA_HOME=os.path.join(home, ".local/share"),
        XDG_CONFIG_HOME=os.path.join(home, ".config"),
        XDG_CACHE_HOME=os.path.join(home, ".cache"),
        TZ="UTC",
    )
    for k in ("BURNBAR_PRICES", "CLAUDE_CONFIG_DIR", "CODEX_HOME"):
        env.pop(k, None)
    os.makedirs(os.path.join(home, ".config/burnbar"), exist_ok=True)
    with open(os.path.join(home, ".config/burnbar/settings.toml"), "w") as f:
        f.write('[[budgets]]\nperiod = "monthly"\nusd = 100.0\n\n'
                '[export]\nmachine = "ci-box"\nuser = "ana"\n')
    halved = os.path.join(work, "halved-prices.json")
    with open(PRICES) as f:
        table = json.load(f)
    for row in table.values():
        if isinstance(row, dict):
            for k, v in list(row.items()):
                if k.endswith("_cost") or "_cost_per_" in k or k.startswith("cache_") and isinstance(v, float):
                    if isinstance(v, (int, float)):
                        row[k] = v / 2
    with open(halved, "w") as f:
        json.dump(table, f)

    serve_port, prom_port = free_port(), free_port()
    procs = []

    def start_serve(prices):
        p = subprocess.Popen(
            [burnbar, "serve", "--offline", "--prices", prices, "--listen", f"127.0.0.1:{serve_port}"],
            env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "a"))
        procs.append(p)
        ok = wait_for("burnbar serve", lambda: get(f"http://127.0.0.1:{serve_port}/healthz") == "ok\n")
        return p if ok else None

    def stop(p):
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()

    def report_cost(prices=PRICES):
        out = subprocess.run([burnbar, "report", "--offline", "--prices", prices, "--period", "all",
                              "--format", "json"], env=env, capture_output=True, text=True, check=True)
        return json.loads(out.stdout)["overview"]["cost"]

    try:
        serve = start_serve(PRICES)
        check("burnbar serve starts and answers /healthz", serve is not None)
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"global:\n  scrape_interval: {SCRAPE}s\n  scrape_timeout: {SCRAPE}s\n"
                    f"scrape_configs:\n  - job_name: burnbar\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{serve_port}']\n")
        prom = subprocess.Popen(
            [prometheus, f"--config.file={config}", f"--storage.tsdb.path={work}/tsdb",
             f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "prometheus.log"), "w"))
        procs.append(prom)

        # 1. the scraped total is the report's total
        expected = report_cost()
        got = wait_for("the first scrape", lambda: scalar(prom_port, "sum(burnbar_cost_usd_total)"))
        check("sum(burnbar_cost_usd_total) equals burnbar report's overview.cost",
              got is not None and abs(got - expected) < 1e-6, f"prometheus {got}, report {expected}")
        labels = query(prom_port, "count by (machine, user) (burnbar_calls_total)")
        check("every series carries machine and user from the settings",
              [r["metric"] for r in labels] == [{"machine": "ci-box", "user": "ana"}], str(labels))
        types = {r["metric"]["type"] for r in query(prom_port, "count by (type) (burnbar_tokens_total)")}
        check("token types are the six named ones",
              types == {"input", "output", "cache_read", "cache_write_5m", "cache_write_1h", "reasoning"}, str(types))
        before_today = scalar(prom_port, "sum(burnbar_today_cost_usd)")

        # 2. one more call: the sum grows by exactly its cost
        transcript = os.path.join(home, ".claude/projects/-Users-alex-code-acme-sdk-js/team-e2e.jsonl")
        now = datetime.now(timezone.utc) - timedelta(seconds=5)
        stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
        session = "5b1e0000-0000-4000-8000-000000000021"
        lines = [
            {"type": "user", "uuid": "u-team-1", "parentUuid": None, "sessionId": session,
             "cwd": "/Users/alex/code/acme/sdk-js", "timestamp": stamp(now - timedelta(seconds=2)),
             "message": {"role": "user", "content": f"fix the parser please {MARKER}"}},
            {"type": "assistant", "uuid": "a-team-1", "parentUuid": "u-team-1", "sessionId": session,
             "cwd": "/Users/alex/code/acme/sdk-js", "timestamp": stamp(now),
             "message": {"id": "msg_team_e2e_1", "model": "claude-sonnet-4-5-20250929", "role": "assistant",
                         "type": "message", "stop_reason": "tool_use",
                         "content": [{"type": "text", "text": MARKER},
                                     {"type": "tool_use", "id": "toolu_team_1", "name": "Edit",
                                      "input": {"file_path": "/Users/alex/code/acme/sdk-js/src/parse.ts",
                                                "old_string": "a", "new_string": MARKER}}],
                         "usage": {"input_tokens": 1000, "output_tokens": 200,
                                   "cache_read_input_tokens": 5000, "cache_creation_input_tokens": 0}}},
        ]
        with open(transcript, "w") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
        # claude-sonnet-4-5: $3/M input, $15/M output, $0.30/M cache read
        call_cost = 1000 * 3e-6 + 200 * 15e-6 + 5000 * 0.3e-6
        target = got + call_cost
        grown = wait_for("the appended call to be scraped",
                         lambda: (lambda v: v if v is not None and abs(v - target) < 1e-6 else None)(
                             scalar(prom_port, "sum(burnbar_cost_usd_total)")))
        check("after appending a call the sum grows by exactly its cost",
              grown is not None, f"wanted {target:.6f}")
        check("the report agrees", abs(report_cost() - target) < 1e-6)
        today = scalar(prom_port, "sum(burnbar_today_cost_usd)")
        check("burnbar_today_cost_usd grows by the call's cost",
              today is not None and before_today is not None and abs(today - before_today - call_cost) < 1e-6,
              f"{before_today} -> {today}")
        budget = query(prom_port, "burnbar_budget_used_ratio")
        check("the monthly budget's use is exported",
              len(budget) == 1 and budget[0]["metric"].get("budget") == "monthly", str(budget))

        # 3. restarts never look like resets, not even a re-price that lowers the totals
        stop(serve)
        time.sleep(2 * SCRAPE + 0.5)
        serve = start_serve(PRICES)
        time.sleep(3 * SCRAPE)
        resets = scalar(prom_port, "sum(resets(burnbar_cost_usd_total[10m]))")
        check("after restarting burnbar serve, resets(burnbar_cost_usd_total[10m]) == 0", resets == 0, str(resets))
        shown = scalar(prom_port, "sum(burnbar_cost_usd_total)")
        stop(serve)
        serve = start_serve(halved)
        held = wait_for("the re-priced figures",
                        lambda: scalar(prom_port, "sum(burnbar_cost_held_back_usd)"))
        time.sleep(3 * SCRAPE)
        resets = scalar(prom_port, "sum(resets(burnbar_cost_usd_total[10m]))")
        check("a re-price that halves every price is not a reset either", resets == 0, str(resets))
        after = scalar(prom_port, "sum(burnbar_cost_usd_total)")
        repriced = report_cost(halved)
        check("the counters hold at what they showed and say how much is held back",
              after is not None and shown is not None and abs(after - shown) < 1e-6
              and held is not None and abs(held - (shown - repriced)) < 1e-6
              and repriced < shown * 0.6,
              f"shown {shown}, after {after}, held back {held}, report now {repriced}")

        # 4. every dashboard panel's query returns data
        with open(DASHBOARD) as f:
            dash = json.load(f)
        for panel in dash["panels"]:
            for target in panel["targets"]:
                expr = (target["expr"].replace("$user", ".*").replace("$machine", ".*")
                        .replace("$__range", "10m").replace("$__rate_interval", "1m"))
                try:
                    result = query(prom_port, expr)
                    values = [float(r["value"][1]) for r in result]
                    ok = bool(values) and all(math.isfinite(v) for v in values)
                    check(f"panel {panel['title']!r} has data", ok, f"{expr} -> {result}")
                except Exception as e:
                    check(f"panel {panel['title']!r} has data", False, f"{expr}: {e}")

        # 5. nothing of the prompts or the code left the machine
        series = json.loads(get(f"http://127.0.0.1:{prom_port}/api/v1/series?"
                                + urllib.parse.urlencode({"match[]": '{__name__=~"burnbar_.*"}'})))
        exposition = get(f"http://127.0.0.1:{serve_port}/metrics")
        check("the planted prompt marker is in neither /metrics nor Prometheus",
              MARKER not in exposition and MARKER not in json.dumps(series) and "parse.ts" not in exposition)
    finally:
        for p in procs:
            if p.poll() is None:
                stop(p)
        if failed:
            print(f"   (logs kept in {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"team: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
