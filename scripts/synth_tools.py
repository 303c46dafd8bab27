"""The other twenty readers' formats for scripts/synth_corpus.py (`--providers ...,others`).

One session at a time, round-robin over Qwen Code, Pi, Copilot CLI, Cursor, Cline (extension
and CLI), Roo Code, Kilo Code, Kilo CLI, Goose, Crush, Factory Droid, Amp, cursor-agent, Aider's
analytics log, Zed, Kimi CLI, Hermes Agent, OpenClaw (its JSONL transcripts and its SQLite
store), Kiro (CLI and IDE), Cline 3's SDK store and Codebuff, each in the shape its tool writes, with filler text where the
tool keeps text. SQLite-backed tools get rows in one database each, committed by `close()`.
A load generator like the rest of synth_corpus.py: correctness is tested elsewhere.
"""
import json
import os
import sqlite3
from datetime import timedelta

CLAUDE = "claude-sonnet-4-5"


def dumps(v):
    return json.dumps(v, separators=(",", ":"))


class Others:
    def __init__(self, s):
        self.s = s
        self.dbs = {}
        self.turn = 0
        self.tools = [
            self.qwen, self.pi, self.copilot, self.cursor, self.cline, self.roo, self.kilo_code,
            self.cline_cli, self.kilo_cli, self.goose, self.crush, self.droid, self.amp,
            self.cursor_agent, self.aider, self.zed, self.kimi, self.hermes, self.openclaw,
            self.openclaw_db, self.kiro, self.kiro_ide, self.cline_sdk, self.codebuff,
        ]

    # ------------------------------------------------------------------ plumbing
    def session(self):
        self.tools[self.turn % len(self.tools)]()
        self.turn += 1

    def path(self, *parts):
        return os.path.join(self.s.out, *parts)

    def db(self, rel, schema):
        if rel not in self.dbs:
            p = self.path(rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            c = sqlite3.connect(p)
            c.executescript(schema)
            self.dbs[rel] = c
        return self.dbs[rel]

    def row(self, rel, schema, sql, args, size):
        self.db(rel, schema).execute(sql, args)
        self.s.written += size

    def close(self):
        for c in self.dbs.values():
            c.commit()
            c.close()
        self.dbs = {}

    def calls(self, lo=3, hi=12):
        """A session's calls: (time, input, output, cache read, cache write)."""
        s, t = self.s, self.s.start()
        out = []
        for _ in range(s.rng.randint(lo, hi)):
            t += timedelta(seconds=s.rng.randint(5, 90))
            out.append((t, s.rng.randint(50, 4_000), s.rng.randint(20, 1_500),
                        s.rng.randint(0, 60_000), s.rng.randint(0, 3_000)))
        return out

    @staticmethod
    def sums(calls):
        """A session's totals: (input, output, cache read, cache write)."""
        return tuple(sum(c[k] for c in calls) for k in range(1, 5))

    def iso(self, t):
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)

    def ms(self, t):
        return int(t.timestamp() * 1000)

    # ------------------------------------------------------------------ JSONL and JSON files
    def qwen(self):
        s, sid, cwd = self.s, self.s.uuid(), self.s.project()
        recs = []
        for t, i, o, r, _ in self.calls():
            recs.append({"uuid": s.uuid(), "sessionId": sid, "timestamp": self.iso(t), "type": "user",
                         "cwd": cwd, "message": {"role": "user", "parts": [{"text": s.prompt()}]}})
            recs.append({"uuid": s.uuid(), "sessionId": sid, "timestamp": self.iso(t), "type": "assistant",
                         "model": "qwen3-coder-plus", "cwd": cwd,
                         "message": {"role": "model", "parts": [{"text": s.text(20, 200)}]},
                         "usageMetadata": {"promptTokenCount": i + r, "candidatesTokenCount": o,
                                           "cachedContentTokenCount": r, "totalTokenCount": i + r + o}})
        s.lines(self.path(".qwen/projects", cwd.replace("/", "-"), "chats", sid + ".jsonl"), recs)

    def pi_records(self, sid, cwd, provider="anthropic", model=CLAUDE):
        s = self.s
        calls = self.calls()
        recs = [{"type": "session", "version": 3, "id": sid, "timestamp": self.iso(calls[0][0]), "cwd": cwd}]
        for t, i, o, r, w in calls:
            recs.append({"type": "message", "id": s.token(8), "timestamp": self.iso(t),
                         "message": {"role": "user", "content": s.prompt()}})
            recs.append({"type": "message", "id": s.token(8), "timestamp": self.iso(t),
                         "message": {"role": "assistant", "provider": provider, "model": model,
                                     "responseId": "msg_" + s.token(20),
                                     "content": [{"type": "text", "text": s.text(20, 200)}],
                                     "usage": {"input": i, "output": o, "cacheRead": r, "cacheWrite": w,
                                               "totalTokens": i + o + r + w},
                                     "stopReason": "stop"}})
        return recs

    def pi(self):
        sid, cwd = self.s.uuid(), self.s.project()
        self.s.lines(self.path(".pi/agent/sessions", cwd.replace("/", "-"), sid + ".jsonl"),
                     self.pi_records(sid, cwd))

    def openclaw(self):
        sid = self.s.uuid()
        self.s.lines(self.path(".openclaw/agents/main/sessions", sid + ".jsonl"),
                     self.pi_records(sid, "/home/dev/.openclaw/workspace"))

    def openclaw_db(self):
        rel = ".openclaw/agents/ops/agent/openclaw-agent.sqlite"
        schema = ("CREATE TABLE transcript_events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, "
                  "event_json TEXT, created_at INTEGER NOT NULL, event_zstd BLOB, event_utf8_bytes INTEGER, "
                  "navigation_json TEXT, PRIMARY KEY (session_id, seq)) STRICT;")
        sid = self.s.uuid()
        for seq, r in enumerate(self.pi_records(sid, "/srv/ops")):
            text = dumps(r)
            self.row(rel, schema, "INSERT INTO transcript_events (session_id, seq, event_json, created_at) "
                     "VALUES (?, ?, ?, ?)", (sid, seq, text, 1_789_900_000_000 + seq), len(text))

    def copilot(self):
        s, sid = self.s, self.s.uuid()
        calls = self.calls()
        evs = [{"type": "session.start", "id": s.uuid(), "timestamp": self.iso(calls[0][0]), "parentId": None,
                "data": {"sessionId": sid, "version": 1, "producer": "copilot-agent", "copilotVersion": "1.0.6",
                         "startTime": self.iso(calls[0][0]), "selectedModel": "claude-sonnet-4.5",
                         "context": {"cwd": s.project()}}}]
        for t, _, o, _, _ in calls:
            evs.append({"type": "user.message", "id": s.uuid(), "timestamp": self.iso(t), "parentId": None,
                        "data": {"content": s.prompt()}})
            evs.append({"type": "assistant.message", "id": s.uuid(), "timestamp": self.iso(t), "parentId": None,
                        "data": {"messageId": s.uuid(), "content": s.text(20, 200), "toolRequests": [],
                                 "outputTokens": o}})
        evs.append({"type": "session.shutdown", "id": s.uuid(), "timestamp": self.iso(calls[-1][0]), "parentId": None,
                    "data": {"shutdownType": "routine", "modelMetrics": {"claude-sonnet-4.5": {
                        "requests": {"count": len(calls), "cost": len(calls)},
                        "usage": dict(zip(("inputTokens", "outputTokens", "cacheReadTokens"), self.sums(calls)),
                                      cacheWriteTokens=0)}},
                             "currentModel": "claude-sonnet-4.5"}})
        s.lines(self.path(".copilot/session-state", sid, "events.jsonl"), evs)

    def cline_task(self, root):
        s, task = self.s, str(self.s.rng.randint(10**12, 10**13))
        calls = self.calls()
        msgs = [{"ts": self.ms(calls[0][0]), "type": "say", "say": "text", "text": s.prompt()}]
        for t, i, o, r, w in calls:
            msgs.append({"ts": self.ms(t), "type": "say", "say": "api_req_started",
                         "text": dumps({"request": s.text(10, 60), "tokensIn": i, "tokensOut": o,
                                        "cacheReads": r, "cacheWrites": w, "cost": 0.01, "modelId": CLAUDE})})
            msgs.append({"ts": self.ms(t) + 1, "type": "say", "say": "text", "text": s.text(20, 200)})
        d = self.path(root, "tasks", task)
        s.write(os.path.join(d, "ui_messages.json"), dumps(msgs))
        s.write(os.path.join(d, "api_conversation_history.json"), dumps([{"role": "user", "content": [
            {"type": "text", "text": "<environment_details>\n# Current Workspace Directory (%s) Files\n"
                                     "</environment_details>" % s.project()}]}]))

    def cline(self):
        self.cline_task(".config/Code/User/globalStorage/saoudrizwan.claude-dev")

    def roo(self):
        self.cline_task(".config/Cursor/User/globalStorage/rooveterinaryinc.roo-cline")

    def kilo_code(self):
        self.cline_task(".config/VSCodium/User/globalStorage/kilocode.kilo-code")

    def cline_cli(self):
        self.cline_task(".cline/data")

    def droid(self):
        s, sid, cwd = self.s, self.s.uuid(), self.s.project()
        calls = self.calls()
        recs = [{"type": "session_start", "id": sid, "title": s.prompt(), "cwd": cwd}]
        for t, *_ in calls:
            recs.append({"type": "message", "id": s.uuid(), "timestamp": self.iso(t),
                         "message": {"role": "user", "content": [{"type": "text", "text": s.prompt()}]}})
            recs.append({"type": "message", "id": s.uuid(), "timestamp": self.iso(t),
                         "message": {"role": "assistant", "content": [{"type": "text", "text": s.text(20, 200)}]}})
        d = self.path(".factory/sessions", cwd.replace("/", "-"))
        s.lines(os.path.join(d, sid + ".jsonl"), recs)
        s.write(os.path.join(d, sid + ".settings.json"), dumps({"model": CLAUDE, "tokenUsage": {
            **dict(zip(("inputTokens", "outputTokens", "cacheReadTokens", "cacheCreationTokens"),
                       self.sums(calls)))}}))

    def amp(self):
        s, tid = self.s, "T-" + self.s.uuid()
        calls = self.calls()
        msgs = []
        for n, (t, i, o, r, w) in enumerate(calls):
            msgs.append({"role": "user", "messageId": 2 * n, "content": [{"type": "text", "text": s.prompt()}]})
            msgs.append({"role": "assistant", "messageId": 2 * n + 1,
                         "content": [{"type": "text", "text": s.text(20, 200)}],
                         "usage": {"model": CLAUDE, "inputTokens": i, "outputTokens": o,
                                   "cacheReadInputTokens": r, "cacheCreationInputTokens": w,
                                   "timestamp": self.iso(t)}})
        s.write(self.path(".local/share/amp/threads", tid + ".json"),
                dumps({"v": 1, "id": tid, "created": self.ms(calls[0][0]), "messages": msgs,
                       "env": {"initial": {"trees": [{"uri": "file://" + s.project()}]}}}))

    def cursor_agent(self):
        s = self.s
        recs = []
        for _ in range(s.rng.randint(3, 12)):
            recs.append({"role": "user", "message": {"content": [{"type": "text", "text": s.prompt()}]}})
            recs.append({"role": "assistant", "message": {"content": [{"type": "text", "text": s.text(40, 300)}]}})
        s.lines(self.path(".cursor/projects", s.project().replace("/", "-").strip("-"), "agent-transcripts",
                          s.uuid() + ".jsonl"), recs)

    def aider(self):
        s = self.s
        if not os.path.exists(self.path(".aider.conf.yml")):
            s.write(self.path(".aider.conf.yml"), "analytics-log: ~/.aider/analytics.jsonl\n")
        p = self.path(".aider/analytics.jsonl")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "a", encoding="utf-8") as f:
            for t, i, o, _, _ in self.calls():
                line = dumps({"event": "message_send", "user_id": "u", "time": int(t.timestamp()),
                              "properties": {"main_model": CLAUDE, "edit_format": "diff", "prompt_tokens": i,
                                             "completion_tokens": o, "total_tokens": i + o, "cost": 0.01,
                                             "total_cost": 0.5}}) + "\n"
                f.write(line)
                s.written += len(line)

    def kimi(self):
        s = self.s
        recs = []
        for t, i, o, r, w in self.calls():
            recs.append({"timestamp": t.timestamp(), "message": {"type": "TurnBegin", "payload": {"user_input": s.prompt()}}})
            recs.append({"timestamp": t.timestamp(), "message": {"type": "StatusUpdate", "payload": {
                "token_usage": {"input_other": i, "output": o, "input_cache_read": r, "input_cache_creation": w},
                "message_id": s.uuid()}}})
        s.lines(self.path(".kimi/sessions", s.token(32).lower(), s.uuid(), "wire.jsonl"), recs)

    def kiro(self):
        s, sid = self.s, self.s.uuid()
        turns = [{"end_timestamp": self.iso(t), "input_token_count": 0, "output_token_count": 0,
                  "metering_usage": [{"value": round(s.rng.uniform(0.05, 2.0), 2), "unit": "credit"}],
                  "loop_id": {"rand": s.rng.getrandbits(48), "agent_id": "a"}} for t, *_ in self.calls()]
        s.write(self.path(".kiro/sessions/cli", sid + ".json"), dumps(
            {"session_id": sid, "cwd": s.project(), "title": s.prompt(),
             "session_state": {"rts_model_state": {"model_info": {"model_id": "auto"}},
                               "conversation_metadata": {"user_turn_metadatas": turns}}}))

    def kiro_ide(self):
        s, sid = self.s, "sess_" + self.s.uuid()
        d = self.path(".kiro/sessions", s.token(16).lower(), sid)
        s.write(os.path.join(d, "session.json"), dumps({"schemaVersion": "1.0.0", "id": sid, "title": s.prompt(),
                                                        "modelId": "auto", "rootPaths": [s.project()]}))
        recs = []
        for t, *_ in self.calls():
            recs.append({"id": s.uuid(), "timestamp": self.iso(t), "payload": {"type": "user", "content": s.prompt()}})
            recs.append({"id": s.uuid(), "timestamp": self.iso(t), "payload": {"type": "assistant", "content": s.text(20, 200)}})
            recs.append({"id": s.uuid(), "timestamp": self.iso(t), "payload": {
                "type": "usage_summary", "executionId": s.uuid(), "status": "success",
                "promptTurnSummaries": [{"unit": "credit", "unitPlural": "credits",
                                         "usage": round(s.rng.uniform(0.05, 2.0), 3), "usedTools": ["read_file"]}]}})
        s.lines(os.path.join(d, "messages.jsonl"), recs)

    def cline_sdk(self):
        s, sid = self.s, self.s.token(12)
        d = self.path(".cline/data/sessions", sid)
        s.write(os.path.join(d, sid + ".json"), dumps({"version": 1, "session_id": sid, "source": "cli",
                                                       "provider": "anthropic", "model": CLAUDE,
                                                       "cwd": s.project(), "workspace_root": s.project()}))
        msgs = []
        for t, i, o, r, w in self.calls():
            msgs.append({"id": s.token(21), "role": "user", "content": [{"type": "text", "text": s.prompt()}]})
            msgs.append({"id": s.token(21), "role": "assistant", "ts": self.ms(t),
                         "content": [{"type": "text", "text": s.text(20, 200)}],
                         "modelInfo": {"id": CLAUDE, "provider": "anthropic"},
                         "metrics": {"inputTokens": i + r + w, "outputTokens": o, "cacheReadTokens": r,
                                     "cacheWriteTokens": w, "cost": 0.01}})
        s.write(os.path.join(d, sid + ".messages.json"),
                dumps({"version": 1, "agent": "lead", "sessionId": sid, "messages": msgs}))

    def codebuff(self):
        s, calls = self.s, self.calls()
        chat = self.iso(calls[0][0]).replace(":", "-")
        msgs = []
        for t, *_ in calls:
            msgs.append({"id": s.uuid(), "variant": "user", "content": s.prompt(), "timestamp": self.iso(t)})
            msgs.append({"id": s.uuid(), "variant": "ai", "content": s.text(20, 200), "timestamp": self.iso(t),
                         "credits": s.rng.randint(1, 40)})
        s.write(self.path(".config/manicode/projects", os.path.basename(s.project()), "chats", chat,
                          "chat-messages.json"), dumps(msgs))

    # ------------------------------------------------------------------ SQLite stores
    def cursor(self):
        rel = ".config/Cursor/User/globalStorage/state.vscdb"
        schema = "CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);"
        s, cid = self.s, self.s.uuid()
        for t, i, o, _, _ in self.calls():
            b = dumps({"type": 2, "text": s.text(20, 200), "tokenCount": {"inputTokens": i, "outputTokens": o},
                       "modelInfo": {"modelName": CLAUDE}, "createdAt": self.iso(t)})
            self.row(rel, schema, "INSERT INTO cursorDiskKV VALUES (?, ?)",
                     ("bubbleId:%s:%s" % (cid, s.uuid()), b.encode()), len(b))

    def kilo_cli(self):
        rel = ".local/share/kilo/kilo.db"
        schema = ("CREATE TABLE session (id TEXT PRIMARY KEY, parent_id TEXT, directory TEXT);"
                  "CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_created INTEGER, "
                  "time_updated INTEGER, data TEXT);")
        s, sid = self.s, "ses_" + self.s.token(26)
        self.db(rel, schema).execute("INSERT INTO session VALUES (?, NULL, ?)", (sid, s.project()))
        for t, i, o, r, w in self.calls():
            d = dumps({"role": "assistant", "modelID": CLAUDE, "providerID": "anthropic",
                       "time": {"created": self.ms(t), "completed": self.ms(t) + 4000},
                       "tokens": {"input": i, "output": o, "reasoning": 0, "cache": {"read": r, "write": w}},
                       "cost": 0})
            self.row(rel, schema, "INSERT INTO message VALUES (?, ?, ?, ?, ?)",
                     ("msg_" + s.token(26), sid, self.ms(t), self.ms(t), d), len(d))

    def goose(self):
        rel = ".local/share/goose/sessions/sessions.db"
        schema = ("CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT, working_dir TEXT, created_at TEXT, "
                  "updated_at TEXT, accumulated_input_tokens INTEGER, accumulated_output_tokens INTEGER, "
                  "provider_name TEXT, model_config_json TEXT);")
        s, calls = self.s, self.calls()
        fresh, out, read, _ = self.sums(calls)
        self.row(rel, schema, "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (s.uuid(), s.prompt(), s.project(), calls[0][0].strftime("%Y-%m-%d %H:%M:%S"),
                  calls[-1][0].strftime("%Y-%m-%d %H:%M:%S"), fresh + read, out, "anthropic",
                  dumps({"model_name": CLAUDE})), 300)

    def crush(self):
        s = self.s
        app = self.path("work/crush-app")
        if not os.path.exists(self.path(".local/share/crush/projects.json")):
            s.write(self.path(".local/share/crush/projects.json"),
                    dumps({"projects": [{"path": app, "data_dir": ".crush"}]}))
        rel = "work/crush-app/.crush/crush.db"
        schema = ("CREATE TABLE sessions (id TEXT PRIMARY KEY, parent_session_id TEXT, title TEXT, "
                  "prompt_tokens INTEGER, completion_tokens INTEGER, cost REAL, updated_at INTEGER, created_at INTEGER);")
        calls = self.calls()
        self.row(rel, schema, "INSERT INTO sessions VALUES (?, NULL, ?, ?, ?, ?, ?, ?)",
                 (s.uuid(), s.prompt(), calls[-1][1], calls[-1][2], round(s.rng.uniform(0.01, 3.0), 4),
                  int(calls[-1][0].timestamp()), int(calls[0][0].timestamp())), 200)

    def zed(self):
        rel = ".local/share/zed/threads/threads.db"
        schema = ("CREATE TABLE threads (id TEXT PRIMARY KEY, summary TEXT NOT NULL, updated_at TEXT NOT NULL, "
                  "data_type TEXT NOT NULL, data BLOB NOT NULL);")
        s, calls = self.s, self.calls()
        thread = dumps({"title": s.prompt(), "messages": [{"role": "assistant", "segments": [{"text": s.text(20, 200)}]}
                                                          for _ in calls],
                        "model": {"provider": "anthropic", "model": CLAUDE},
                        "cumulative_token_usage": dict(zip(
                            ("input_tokens", "output_tokens", "cache_read_input_tokens",
                             "cache_creation_input_tokens"), self.sums(calls)))})
        self.row(rel, schema, "INSERT INTO threads VALUES (?, ?, ?, 'json', ?)",
                 (s.uuid(), s.prompt(), self.iso(calls[-1][0]), thread.encode()), len(thread))

    def hermes(self):
        rel = ".hermes/state.db"
        schema = ("CREATE TABLE sessions (id TEXT PRIMARY KEY, source TEXT NOT NULL, model TEXT, started_at REAL, "
                  "ended_at REAL, input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER, "
                  "cache_write_tokens INTEGER, title TEXT);")
        s, calls = self.s, self.calls()
        self.row(rel, schema, "INSERT INTO sessions VALUES (?, 'cli', ?, ?, ?, ?, ?, ?, ?, ?)",
                 (s.uuid(), CLAUDE, calls[0][0].timestamp(), calls[-1][0].timestamp(),
                  *self.sums(calls), s.prompt()), 200)
