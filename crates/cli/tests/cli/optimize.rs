//! `burnbar optimize` (issue 18): the JSON contract scripts rely on, and the text report.

use burnbar_test_support::repo;

use crate::{assert_ok, isolated};

fn optimize(format: &str) -> std::process::Output {
    let home = repo().join("tests/fixtures/corpus/seed8-kolkata");
    let data = tempfile::tempdir().unwrap();
    isolated(&home, data.path())
        .args([
            "optimize",
            "--format",
            format,
            "--period",
            "all",
            "--offline",
        ])
        .arg("--prices")
        .arg(home.join("litellm-prices.json"))
        .args(["--now", "2026-11-20T12:00:00Z"])
        .output()
        .unwrap()
}

#[test]
fn optimize_json_has_the_documented_keys() {
    let out = optimize("json");
    assert_ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["summary"];
    for key in [
        "healthScore",
        "healthGrade",
        "findingCount",
        "periodCostUSD",
        "potentialSavingsUSD",
        "potentialSavingsPercent",
    ] {
        assert!(!s[key].is_null(), "summary.{key} in {s}");
    }
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(s["findingCount"].as_u64(), Some(findings.len() as u64));
    assert!(!findings.is_empty(), "the corpus has something to fix");
    for f in findings {
        for key in [
            "id",
            "title",
            "explanation",
            "severity",
            "basis",
            "tokensSaved",
            "estimatedSavingsUSD",
            "evidence",
        ] {
            assert!(!f[key].is_null(), "{key} in {f}");
        }
        assert!(["measured", "modelled"].contains(&f["basis"].as_str().unwrap()));
        assert!(["high", "medium", "low"].contains(&f["severity"].as_str().unwrap()));
        let fix = &f["fix"];
        assert!(["paste", "command", "file-content"].contains(&fix["type"].as_str().unwrap()));
        assert!(!fix["label"].as_str().unwrap().is_empty());
        assert!(!fix["text"].as_str().unwrap().is_empty());
    }
    let savings = s["potentialSavingsUSD"].as_f64().unwrap();
    let spent = s["periodCostUSD"].as_f64().unwrap();
    assert!(
        savings <= spent,
        "savings {savings} never exceed the spend {spent}"
    );
    let grade = s["healthGrade"].as_str().unwrap();
    assert!(["A", "B", "C", "D", "F"].contains(&grade));
}

#[test]
fn optimize_text_leads_with_the_grade_and_gives_every_fix() {
    let out = optimize("text");
    assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Burnbar optimize: All time\n"), "{text}");
    assert!(text.contains("Grade "), "{text}");
    let json = optimize("json");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    for f in v["findings"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        assert!(text.contains(id), "{id} in the text");
        assert!(text.contains(f["fix"]["text"].as_str().unwrap().lines().next().unwrap()));
    }
}

/// `burnbar yield --format json`: the documented keys, on a home whose projects are not
/// repositories (every session `noRepository`, none lost).
#[test]
fn yield_json_has_the_documented_keys() {
    let home = repo().join("tests/fixtures/corpus/seed8-kolkata");
    let data = tempfile::tempdir().unwrap();
    let out = isolated(&home, data.path())
        .args(["yield", "--format", "json", "--period", "all", "--offline"])
        .arg("--prices")
        .arg(home.join("litellm-prices.json"))
        .output()
        .unwrap();
    assert_ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["methodology"], "file-overlap-then-timestamp-window");
    let o = &v["overall"];
    let mut sessions = 0;
    for key in [
        "productive",
        "reverted",
        "abandoned",
        "ambiguous",
        "noRepository",
    ] {
        assert!(o[key]["cost"].is_number(), "overall.{key}.cost in {o}");
        sessions += o[key]["sessions"].as_u64().unwrap();
    }
    assert!(sessions > 0);
    assert_eq!(o["noRepository"]["sessions"].as_u64(), Some(sessions));
    assert!(v["projects"].as_array().is_some_and(|p| !p.is_empty()));
}

/// `--apply` edits only after showing the change, keeps the other settings, and `undo`
/// restores the file byte for byte (or removes the one the fix created).
#[test]
fn apply_then_undo_restores_the_files_byte_for_byte() {
    let copy = Copied::new();
    let home = copy.home.path();
    // a settings file with its own keys and layout
    let settings = home.join(".claude/settings.json");
    let original = "{\n    \"model\": \"sonnet\",\n    \"env\": {\"FOO\": \"1\"}\n}\n";
    std::fs::write(&settings, original).unwrap();
    let run = |args: &[&str]| copy.run(args);
    // without --yes and without a terminal: shows the change, changes nothing
    let asked = run(&["optimize", "--apply", "bash-output-cap"]);
    assert!(!asked.status.success());
    assert!(String::from_utf8_lossy(&asked.stdout).contains("+++ "));
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), original);
    let done = run(&["optimize", "--apply", "bash-output-cap", "--yes"]);
    assert_ok(&done);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(v["env"]["BASH_MAX_OUTPUT_LENGTH"], "15000");
    assert_eq!(v["env"]["FOO"], "1", "other settings stay");
    assert_eq!(v["model"], "sonnet");
    // the rule for CLAUDE.md creates the file
    let claude_md = home.join(".claude/CLAUDE.md");
    assert!(!claude_md.exists());
    let rule = run(&["optimize", "--apply", "read-edit-ratio", "--yes"]);
    assert_ok(&rule);
    assert!(
        std::fs::read_to_string(&claude_md)
            .unwrap()
            .contains("read it")
    );
    // a later optimize lists them, too early to judge
    let later = run(&["optimize", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&later.stdout).unwrap();
    let applied = v["appliedFixes"].as_array().unwrap();
    assert_eq!(applied.len(), 2);
    assert!(applied.iter().all(|a| a["status"] == "too-early"));
    // undo, latest first
    let undo = |id: &str| copy.undo(id);
    assert!(undo("read-edit-ratio").status.success());
    assert!(!claude_md.exists(), "the file the fix created is gone");
    assert!(undo("bash-output-cap").status.success());
    assert_eq!(
        std::fs::read(&settings).unwrap(),
        original.as_bytes(),
        "byte for byte"
    );
    assert!(
        !undo("bash-output-cap").status.success(),
        "nothing left to undo"
    );
}

/// `--apply unused-mcp` removes the unused servers from the file that configures them (a used
/// server and other keys stay), and `undo` puts the file back byte for byte.
#[test]
fn apply_removes_unused_mcp_servers_and_undo_puts_them_back() {
    let copy = Copied::new();
    let home = copy.home.path();
    let config = home.join(".claude.json");
    let original = "{\"numStartups\": 3, \"mcpServers\": {\"linear\": {\"command\": \"linear-mcp\"}, \"jira\": {\"command\": \"jira-mcp\"}}}";
    std::fs::write(&config, original).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&config)
        .unwrap()
        .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000))
        .unwrap();
    let run = |args: &[&str]| copy.run(args);
    let out = run(&["optimize", "--apply", "unused-mcp", "--yes"]);
    assert_ok(&out);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(v["numStartups"], 3);
    // the corpus calls linear's tools: it stays; jira is gone
    assert_eq!(
        v["mcpServers"],
        serde_json::json!({"linear": {"command": "linear-mcp"}})
    );
    let undo = copy.undo("unused-mcp");
    assert!(undo.status.success());
    assert_eq!(std::fs::read_to_string(&config).unwrap(), original);
}

/// A home holding a copy of the seed8 corpus's Claude Code logs (files a fix may edit), with
/// its own index.
struct Copied {
    corpus: std::path::PathBuf,
    home: tempfile::TempDir,
    data: tempfile::TempDir,
}

impl Copied {
    fn new() -> Copied {
        let corpus = repo().join("tests/fixtures/corpus/seed8-kolkata");
        let home = tempfile::tempdir().unwrap();
        let copied = std::process::Command::new("cp")
            .arg("-r")
            .arg(corpus.join(".claude"))
            .arg(home.path())
            .status()
            .unwrap();
        assert!(copied.success());
        Copied {
            corpus,
            home,
            data: tempfile::tempdir().unwrap(),
        }
    }

    /// `burnbar ARGS` over all of it, offline, with the corpus's prices.
    fn run(&self, args: &[&str]) -> std::process::Output {
        isolated(self.home.path(), self.data.path())
            .args(args)
            .args(["--period", "all", "--offline", "--prices"])
            .arg(self.corpus.join("litellm-prices.json"))
            .output()
            .unwrap()
    }

    /// `burnbar optimize undo ID`.
    fn undo(&self, id: &str) -> std::process::Output {
        isolated(self.home.path(), self.data.path())
            .args(["optimize", "undo", id])
            .output()
            .unwrap()
    }
}
