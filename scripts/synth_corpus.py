#!/usr/bin/env python3
"""Synthesises a fake $HOME of coding-agent logs for Burnbar's benchmark (`make bench`).

Writes realistic Claude Code, Codex, Gemini CLI and OpenCode trees of about the size asked
for, from a seed (the same seed and size give the same bytes): sessions of turns, each a user
prompt and several assistant calls with streamed copies, thinking and text of realistic
length, tool uses (reads, edits, shell commands, sub-agents), growing cache reads, Codex
rollouts with cumulative token counts, Gemini chats and OpenCode's one-file-per-message
layout with parts. The text is filler: the benchmark measures reading, parsing and storing,
not meaning. This is a load generator, not a test oracle: correctness is checked elsewhere
against independent ground truth.

  scripts/synth_corpus.py --out DIR --size-mb 100 --providers claude,codex,gemini,opencode
  scripts/synth_corpus.py --out DIR --size-mb 100 --providers claude,codex,gemini,opencode,others

`others` adds the other twenty readers' formats (scripts/synth_tools.py): every tool present.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import uuid
from datetime import datetime, timedelta, timezone

from synth_tools import Others

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ("the cache key parser request test fix check look update should failing regression "
         "duplicates counted first then now passes API public changing suite confirm streamed "
         "ignores everything twice aggregation issue without I'll Let me This is so at and to").split()
PROJECTS = ["api-server", "web-app", "sdk-js", "data-platform", "ledger", "admin-panel",
            "ml.pipeline", "infra", "docs-site", "mobile"]
PROMPTS = ["fix the failing test in {f}", "add a --dry-run flag to the CLI", "refactor {f} into smaller modules",
           "why does the worker crash on empty input?", "run the tests and fix what breaks",
           "explain how config works", "update dependencies and fix the build", "git commit this",
           "implement retry with backoff in {f}", "let's brainstorm approaches for caching"]
FILES = ["src/main.rs", "src/retry.ts", "lib/parser.py", "src/cache.go", "app/models.py", "src/index.ts"]
CLAUDE_MODELS = ["claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5-20251001", "claude-sonnet-4-6"]
CODEX_MODELS = ["gpt-5.1-codex", "gpt-5.2-codex", "gpt-5-codex"]
GEMINI_MODELS = ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-3-pro-preview"]
OPENCODE_MODELS = [("anthropic", "claude-sonnet-4-5"), ("openai", "gpt-5.1-codex")]


def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def ms(t):
    return int(t.timestamp() * 1000)


class Synth:
    def __init__(self, out, seed, end):
        self.out = out
        self.rng = random.Random(seed)
        self.end = end
        self.written = 0

    def text(self, lo, hi):
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(lo, hi)))

    def uuid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def token(self, n):
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def start(self):
        """A session start within the 90 days before the end date, in working hours."""
        day = self.end - timedelta(days=self.rng.randint(0, 89))
        return day.replace(hour=self.rng.randint(7, 20), minute=self.rng.randint(0, 59),
                           second=self.rng.randint(0, 59), microsecond=self.rng.randint(0, 999) * 1000)

    def project(self):
        return "/home/dev/work/" + self.rng.choice(PROJECTS)

    def prompt(self):
        return self.rng.choice(PROMPTS).format(f=self.rng.choice(FILES))

    def write(self, path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.written += len(text.encode("utf-8"))

    def lines(self, path, records):
        self.write(path, "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))

    # ------------------------------------------------------------------ Claude Code
    def claude_tool(self):
        kind = self.rng.random()
        tid = "toolu_" + self.token(24)
        if kind < 0.35:
            return {"type": "tool_use", "id": tid, "name": "Read", "input": {"file_path": "/home/dev/" + self.rng.choice(FILES)}}
        if kind < 0.6:
            return {"type": "tool_use", "id": tid, "name": "Edit",
                    "input": {"file_path": "/home/dev/" + self.rng.choice(FILES), "old_string": self.text(5, 40), "new_string": self.text(5, 60)}}
        if kind < 0.9:
            cmd = self.rng.choice(["cargo test", "npm test", "rg -n cache src | head", "git status", "pytest -q", "ls -la"])
            return {"type": "tool_use", "id": tid, "name": "Bash", "input": {"command": cmd, "description": self.text(3, 8)}}
        return {"type": "tool_use", "id": tid, "name": "Task", "input": {"subagent_type": "general-purpose", "prompt": self.text(10, 40)}}

    def claude_session(self):
        cwd = self.project()
        session = self.uuid()
        model = self.rng.choice(CLAUDE_MODELS)
        t = self.start()
        base = dict(isSidechain=False, userType="external", cwd=cwd, sessionId=session, version="2.1.98", gitBranch="main")
        recs, parent, cache = [], None, self.rng.randint(5_000, 20_000)
        for _ in range(self.rng.randint(3, 12)):
            uid = self.uuid()
            recs.append(dict(base, parentUuid=parent, type="user", uuid=uid, timestamp=iso(t),
                             message={"role": "user", "content": self.prompt()}))
            parent = uid
            for _ in range(self.rng.randint(2, 8)):
                t += timedelta(seconds=self.rng.randint(3, 40))
                mid = "msg_01" + self.token(22)
                usage = {"input_tokens": self.rng.randint(1, 40), "output_tokens": self.rng.randint(20, 2_000),
                         "cache_read_input_tokens": cache, "cache_creation_input_tokens": self.rng.randint(0, 4_000),
                         "service_tier": "standard"}
                cache += usage["cache_creation_input_tokens"]
                blocks = [{"type": "thinking", "thinking": self.text(30, 200), "signature": self.token(80)},
                          {"type": "text", "text": self.text(10, 120)}]
                if self.rng.random() < 0.7:
                    blocks.append(self.claude_tool())
                # one line per content block, as Claude Code streams them; the last has the final usage
                for i, block in enumerate(blocks):
                    last = i == len(blocks) - 1
                    u = dict(usage) if last else dict(usage, output_tokens=self.rng.randint(1, 30))
                    uid = self.uuid()
                    recs.append(dict(base, parentUuid=parent, type="assistant", uuid=uid, timestamp=iso(t),
                                     requestId="req_" + self.token(24),
                                     message={"model": model, "id": mid, "type": "message", "role": "assistant",
                                              "content": [block], "stop_reason": "tool_use" if last else None,
                                              "stop_sequence": None, "usage": u}))
                    parent = uid
                if blocks[-1]["type"] == "tool_use":
                    uid = self.uuid()
                    recs.append(dict(base, parentUuid=parent, type="user", uuid=uid, timestamp=iso(t),
                                     message={"role": "user", "content": [{"type": "tool_result", "tool_use_id": blocks[-1]["id"],
                                                                           "content": self.text(20, 300)}]}))
                    parent = uid
            t += timedelta(minutes=self.rng.randint(1, 30))
        slug = cwd.replace("/", "-").replace(".", "-")
        self.lines(os.path.join(self.out, ".claude", "projects", slug, session + ".jsonl"), recs)

    # ------------------------------------------------------------------ Codex
    def codex_session(self):
        cwd = self.project()
        sid = self.uuid()
        t = self.start()
        model = self.rng.choice(CODEX_MODELS)
        recs = [{"timestamp": iso(t), "type": "session_meta",
                 "payload": {"id": sid, "timestamp": iso(t), "cwd": cwd, "originator": "codex_cli_rs",
                             "cli_version": "0.128.0", "source": "cli", "model_provider": "openai",
                             "git": {"branch": "main", "commit_hash": self.token(40)}}},
                {"timestamp": iso(t), "type": "turn_context",
                 "payload": {"cwd": cwd, "approval_policy": "on-request", "model": model, "effort": "medium", "summary": "auto"}}]
        total = [0, 0, 0, 0]  # input, cached, output, reasoning
        for _ in range(self.rng.randint(3, 10)):
            text = self.prompt()
            recs.append({"timestamp": iso(t), "type": "response_item",
                         "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}})
            recs.append({"timestamp": iso(t), "type": "event_msg", "payload": {"type": "user_message", "message": text, "images": []}})
            for _ in range(self.rng.randint(2, 6)):
                t += timedelta(seconds=self.rng.randint(4, 50))
                recs.append({"timestamp": iso(t), "type": "response_item",
                             "payload": {"type": "reasoning", "summary": [{"type": "summary_text", "text": self.text(20, 120)}],
                                         "content": None, "encrypted_content": self.token(self.rng.randint(200, 1200))}})
                if self.rng.random() < 0.6:
                    cmd = self.rng.choice([["bash", "-lc", "cargo test"], ["rg", "-n", "cache"], ["bash", "-lc", "git diff"]])
                    recs.append({"timestamp": iso(t), "type": "response_item",
                                 "payload": {"type": "function_call", "name": "shell", "call_id": "call_" + self.token(24),
                                             "arguments": json.dumps({"command": cmd, "workdir": cwd})}})
                    recs.append({"timestamp": iso(t), "type": "response_item",
                                 "payload": {"type": "function_call_output", "call_id": "call_" + self.token(24),
                                             "output": json.dumps({"output": self.text(20, 300), "metadata": {"exit_code": 0}})}})
                last = [self.rng.randint(2_000, 30_000), 0, self.rng.randint(50, 1_500), 0]
                last[1] = self.rng.randint(0, last[0])
                last[3] = self.rng.randint(0, last[2])
                total = [a + b for a, b in zip(total, last)]
                usage = lambda u: {"input_tokens": u[0], "cached_input_tokens": u[1], "output_tokens": u[2],
                                   "reasoning_output_tokens": u[3], "total_tokens": u[0] + u[2]}
                recs.append({"timestamp": iso(t), "type": "event_msg",
                             "payload": {"type": "token_count", "info": {"total_token_usage": usage(total), "last_token_usage": usage(last),
                                                                          "model_context_window": 272000},
                                         "rate_limits": {"primary": {"used_percent": self.rng.randint(0, 90), "window_minutes": 300}}}})
                recs.append({"timestamp": iso(t), "type": "event_msg", "payload": {"type": "agent_message", "message": self.text(10, 80)}})
            t += timedelta(minutes=self.rng.randint(1, 20))
        start = datetime.fromisoformat(recs[0]["timestamp"].replace("Z", "+00:00"))
        name = "rollout-%s-%s.jsonl" % (start.strftime("%Y-%m-%dT%H-%M-%S"), sid)
        self.lines(os.path.join(self.out, ".codex", "sessions", start.strftime("%Y"), start.strftime("%m"),
                                start.strftime("%d"), name), recs)

    # ------------------------------------------------------------------ Gemini CLI
    def gemini_session(self):
        cwd = self.project()
        project_hash = hashlib.sha256(cwd.encode()).hexdigest()
        sid = self.uuid()
        t = self.start()
        model = self.rng.choice(GEMINI_MODELS)
        messages = []
        for _ in range(self.rng.randint(3, 12)):
            messages.append({"id": self.uuid(), "timestamp": iso(t), "type": "user", "content": self.prompt()})
            for _ in range(self.rng.randint(1, 4)):
                t += timedelta(seconds=self.rng.randint(3, 40))
                tokens = {"input": self.rng.randint(2_000, 40_000), "output": self.rng.randint(20, 1_500),
                          "cached": 0, "thoughts": self.rng.randint(0, 800), "tool": self.rng.randint(0, 500)}
                tokens["cached"] = self.rng.randint(0, tokens["input"])
                tokens["total"] = tokens["input"] + tokens["output"] + tokens["thoughts"] + tokens["tool"]
                messages.append({"id": self.uuid(), "timestamp": iso(t), "type": "gemini", "content": self.text(20, 200),
                                 "thoughts": [{"subject": "Planning", "description": self.text(20, 100), "timestamp": iso(t)}],
                                 "tokens": tokens, "model": model})
            t += timedelta(minutes=self.rng.randint(1, 20))
        doc = {"sessionId": sid, "projectHash": project_hash, "startTime": messages[0]["timestamp"],
               "lastUpdated": messages[-1]["timestamp"], "messages": messages}
        start = datetime.fromisoformat(doc["startTime"].replace("Z", "+00:00"))
        name = "session-%s-%s.json" % (start.strftime("%Y-%m-%dT%H-%M"), sid[:8])
        self.write(os.path.join(self.out, ".gemini", "tmp", project_hash, "chats", name), json.dumps(doc, indent=2))

    # ------------------------------------------------------------------ OpenCode (file layout)
    def opencode_session(self):
        cwd = self.project()
        project_id = hashlib.sha1(cwd.encode()).hexdigest()
        sid = "ses_" + self.token(26)
        t = self.start()
        storage = os.path.join(self.out, ".local", "share", "opencode", "storage")
        provider, model = self.rng.choice(OPENCODE_MODELS)
        created = t
        parent = None
        for _ in range(self.rng.randint(3, 10)):
            user_id = "msg_" + self.token(26)
            self.write(os.path.join(storage, "message", sid, user_id + ".json"), json.dumps(
                {"id": user_id, "sessionID": sid, "role": "user", "time": {"created": ms(t)}}, indent=2))
            self.write(os.path.join(storage, "part", user_id, "prt_" + self.token(26) + ".json"), json.dumps(
                {"id": "prt_" + self.token(26), "sessionID": sid, "messageID": user_id, "type": "text", "text": self.prompt()}, indent=2))
            parent = user_id
            for _ in range(self.rng.randint(1, 5)):
                t += timedelta(seconds=self.rng.randint(3, 40))
                mid = "msg_" + self.token(26)
                tokens = {"input": self.rng.randint(0, 3_000), "output": self.rng.randint(20, 1_500), "reasoning": self.rng.randint(0, 400),
                          "cache": {"read": self.rng.randint(5_000, 60_000), "write": self.rng.randint(0, 3_000)}}
                self.write(os.path.join(storage, "message", sid, mid + ".json"), json.dumps(
                    {"id": mid, "sessionID": sid, "role": "assistant", "time": {"created": ms(t), "completed": ms(t) + 5_000},
                     "parentID": parent, "modelID": model, "providerID": provider, "mode": "build",
                     "path": {"cwd": cwd, "root": cwd}, "cost": 0, "tokens": tokens}, indent=2))
                for _ in range(self.rng.randint(1, 3)):
                    pid = "prt_" + self.token(26)
                    if self.rng.random() < 0.5:
                        part = {"id": pid, "sessionID": sid, "messageID": mid, "type": "text", "text": self.text(10, 120)}
                    else:
                        part = {"id": pid, "sessionID": sid, "messageID": mid, "type": "tool", "callID": "call_" + self.token(20),
                                "tool": self.rng.choice(["read", "edit", "bash"]),
                                "state": {"status": "completed", "input": {"filePath": "/home/dev/" + self.rng.choice(FILES)},
                                          "output": self.text(10, 150)}}
                    self.write(os.path.join(storage, "part", mid, pid + ".json"), json.dumps(part, indent=2))
            t += timedelta(minutes=self.rng.randint(1, 20))
        self.write(os.path.join(storage, "session", project_id, sid + ".json"), json.dumps(
            {"id": sid, "version": "0.15.8", "projectID": project_id, "directory": cwd, "title": "Session " + sid[-6:],
             "time": {"created": ms(created), "updated": ms(t)}}, indent=2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="the fake $HOME to write (replaced)")
    ap.add_argument("--size-mb", type=float, default=100, help="about this many MB of logs")
    ap.add_argument("--providers", default="claude,codex,gemini,opencode")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--end-date", default="2026-11-22", help="the last day sessions may start on")
    a = ap.parse_args()
    kinds = [k.strip() for k in a.providers.split(",") if k.strip()]
    unknown = set(kinds) - {"claude", "codex", "gemini", "opencode", "others"}
    if unknown:
        ap.error("unknown providers: " + ", ".join(sorted(unknown)))
    shutil.rmtree(a.out, ignore_errors=True)
    end = datetime.fromisoformat(a.end_date).replace(tzinfo=timezone.utc)
    s = Synth(a.out, a.seed, end)
    target = int(a.size_mb * 1024 * 1024)
    # Claude Code dominates real disks; the others share the rest when asked for
    weights = {"claude": 6, "codex": 2, "gemini": 1, "opencode": 1, "others": 3}
    others = Others(s)
    make = {"claude": s.claude_session, "codex": s.codex_session, "gemini": s.gemini_session,
            "opencode": s.opencode_session, "others": others.session}
    population = [k for k in kinds for _ in range(weights[k])]
    while s.written < target:
        make[s.rng.choice(population)]()
    others.close()
    shutil.copy(os.path.join(REPO, "tests", "fixtures", "prices.json"), os.path.join(a.out, "litellm-prices.json"))
    with open(os.path.join(a.out, "synth.json"), "w", encoding="utf-8") as f:
        json.dump({"seed": a.seed, "sizeMb": a.size_mb, "providers": kinds, "bytes": s.written}, f)
    print("wrote %.1f MB to %s" % (s.written / 1048576, a.out))


if __name__ == "__main__":
    main()
