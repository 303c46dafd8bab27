//! Deterministic activity classification of a turn (a user prompt and every assistant call
//! until the next prompt): no model calls, only the tools the turn used and keywords in the
//! prompt (CodeBurn's rules with its quirks fixed; see [`rules`] and `docs/how-numbers-are-made.md`).
//!
//! The prompt text is used in memory only, to classify; it is never stored.
//!
//! Decision, first match wins:
//! 1. no tools: the conversation rules (4);
//! 2. plan mode -> planning; a sub-agent spawn -> delegation; shell without edits -> testing,
//!    git, or build/deploy when the prompt says so; edits -> coding; shell + reads ->
//!    exploration; shell -> coding; web search or MCP -> exploration; reads -> exploration;
//!    task lists -> planning; skills -> general; anything else -> the conversation rules;
//! 3. coding is refined to whichever of refactoring / feature / debugging matches earliest in
//!    the prompt (ties in that order); exploration becomes debugging when the prompt is about a
//!    bug and asks no question;
//! 4. conversation rules: brainstorming, exploration (questions), the earliest of feature /
//!    debugging, coding when a code file or a script is named, exploration for a URL, else
//!    conversation.
//!
//! Edit turns, retries and one-shot: an edit turn uses an edit tool; a retry is editing a file
//! again after a shell command that is not read-shaped ran since its previous edit (edit F, run
//! the tests, edit F again); a one-shot turn is an edit turn without retries.

pub mod rules;
pub mod shell;
mod signature;
pub mod turns;

use std::collections::HashMap;

use serde::Serialize;

pub use rules::Prompt;
pub use signature::{OPENER_CHARS, PromptSig};

use crate::model::ToolUse;

/// What the rules ask of a prompt. [`Prompt`] answers from the text (in memory only);
/// [`PromptSig`] from the stored answers.
pub trait Facts {
    /// The position of the earliest whole-word match of any of `set` (one of the keyword sets
    /// in [`rules`]).
    fn earliest(&self, set: &[&str]) -> Option<usize>;
    /// True when any of `set` matches.
    fn any(&self, set: &[&str]) -> bool {
        self.earliest(set).is_some()
    }
    /// Names a code file.
    fn mentions_file(&self) -> bool;
    /// Names a script.
    fn mentions_script(&self) -> bool;
    /// Holds a URL.
    fn mentions_url(&self) -> bool;
}

impl Facts for Prompt {
    fn earliest(&self, set: &[&str]) -> Option<usize> {
        Prompt::earliest(self, set)
    }
    fn mentions_file(&self) -> bool {
        Prompt::mentions_file(self)
    }
    fn mentions_script(&self) -> bool {
        Prompt::mentions_script(self)
    }
    fn mentions_url(&self) -> bool {
        Prompt::mentions_url(self)
    }
}

/// The 13 activity categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Writing code without a clearer intent.
    Coding,
    /// Fixing something.
    Debugging,
    /// Building something new.
    Feature,
    /// Restructuring code.
    Refactoring,
    /// Running or writing tests.
    Testing,
    /// Reading and searching.
    Exploration,
    /// Plans and task lists.
    Planning,
    /// Handing work to sub-agents.
    Delegation,
    /// Git operations.
    Git,
    /// Builds, installs, deploys.
    BuildDeploy,
    /// Talk without tools.
    Conversation,
    /// Ideas and approaches.
    Brainstorming,
    /// Skills and everything else.
    General,
}

impl Category {
    /// Every category, in a fixed order (their stored codes).
    pub const ALL: [Category; 13] = [
        Category::Coding,
        Category::Debugging,
        Category::Feature,
        Category::Refactoring,
        Category::Testing,
        Category::Exploration,
        Category::Planning,
        Category::Delegation,
        Category::Git,
        Category::BuildDeploy,
        Category::Conversation,
        Category::Brainstorming,
        Category::General,
    ];

    /// The code stored in the index.
    pub fn code(self) -> i64 {
        Category::ALL
            .iter()
            .position(|c| *c == self)
            .and_then(|i| i64::try_from(i).ok())
            .unwrap_or(12)
    }

    /// The category of a stored code (`General` for an unknown one).
    pub fn from_code(code: i64) -> Category {
        usize::try_from(code)
            .ok()
            .and_then(|i| Category::ALL.get(i).copied())
            .unwrap_or(Category::General)
    }

    /// The id used in JSON (`feature`, `build-deploy`).
    pub fn id(self) -> &'static str {
        match self {
            Category::Coding => "coding",
            Category::Debugging => "debugging",
            Category::Feature => "feature",
            Category::Refactoring => "refactoring",
            Category::Testing => "testing",
            Category::Exploration => "exploration",
            Category::Planning => "planning",
            Category::Delegation => "delegation",
            Category::Git => "git",
            Category::BuildDeploy => "build-deploy",
            Category::Conversation => "conversation",
            Category::Brainstorming => "brainstorming",
            Category::General => "general",
        }
    }

    /// Parses [`Category::id`].
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.id() == s)
    }

    /// The label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Category::Coding => "Coding",
            Category::Debugging => "Debugging",
            Category::Feature => "Feature Dev",
            Category::Refactoring => "Refactoring",
            Category::Testing => "Testing",
            Category::Exploration => "Exploration",
            Category::Planning => "Planning",
            Category::Delegation => "Delegation",
            Category::Git => "Git Ops",
            Category::BuildDeploy => "Build/Deploy",
            Category::Conversation => "Conversation",
            Category::Brainstorming => "Brainstorming",
            Category::General => "General",
        }
    }
}

/// What the classifier says about one turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnVerdict {
    /// The activity.
    pub category: Category,
    /// The turn edited files.
    pub edit_turn: bool,
    /// Edits of a file repeated after running something in between.
    pub retries: u32,
}

impl TurnVerdict {
    /// An edit turn without retries.
    pub fn one_shot(&self) -> bool {
        self.edit_turn && self.retries == 0
    }
}

fn in_set(tool: &str, set: &[&str]) -> bool {
    set.iter().any(|t| tool.eq_ignore_ascii_case(t))
}

/// True for tools that change files.
pub fn is_edit(tool: &str) -> bool {
    in_set(tool, rules::EDIT)
}

fn is_mcp(tool: &str) -> bool {
    tool.starts_with("mcp__")
}

/// Classifies a turn from its stored prompt signature and its calls' tool uses, in order.
pub fn classify_uses(sig: &PromptSig, uses: &[ToolUse]) -> TurnVerdict {
    let tools: Vec<&str> = uses.iter().map(|u| u.tool.as_str()).collect();
    let edit_turn = tools.iter().any(|t| is_edit(t));
    TurnVerdict {
        category: category_of(sig, &tools),
        edit_turn,
        retries: if edit_turn { retries_of(uses) } else { 0 },
    }
}

/// The category of a turn from what is known of its prompt ([`Prompt`] in memory, or its
/// stored [`PromptSig`]) and its tools.
pub fn category_of<P: Facts>(p: &P, tools: &[&str]) -> Category {
    let has = |set: &[&str]| tools.iter().any(|t| in_set(t, set));
    let (edit, bash, read) = (has(rules::EDIT), has(rules::BASH), has(rules::READ));
    let by_tools = if tools.is_empty() {
        None
    } else if has(rules::PLAN) {
        Some(Category::Planning)
    } else if has(rules::AGENT) {
        Some(Category::Delegation)
    } else if bash && !edit && p.any(rules::TEST) {
        Some(Category::Testing)
    } else if bash && !edit && p.any(rules::GIT) {
        Some(Category::Git)
    } else if bash && !edit && (p.any(rules::BUILD) || p.any(rules::INSTALL)) {
        Some(Category::BuildDeploy)
    } else if edit {
        Some(Category::Coding)
    } else if bash && read {
        Some(Category::Exploration)
    } else if bash {
        Some(Category::Coding)
    } else if has(rules::SEARCH) || tools.iter().any(|t| is_mcp(t)) || read {
        Some(Category::Exploration)
    } else if has(rules::TASK) {
        Some(Category::Planning)
    } else if tools.iter().any(|t| t.eq_ignore_ascii_case("skill")) {
        Some(Category::General)
    } else {
        None
    };
    match by_tools {
        Some(Category::Coding) => refine_coding(p).unwrap_or(Category::Coding),
        Some(Category::Exploration) if !p.any(rules::RESEARCH) && p.any(rules::DEBUG) => {
            Category::Debugging
        }
        Some(c) => c,
        None => conversation(p),
    }
}

/// The earliest of refactoring / feature / debugging in the prompt (ties in that order).
fn refine_coding<P: Facts>(p: &P) -> Option<Category> {
    [
        (rules::REFACTOR, Category::Refactoring),
        (rules::FEATURE, Category::Feature),
        (rules::DEBUG, Category::Debugging),
    ]
    .into_iter()
    .filter_map(|(set, c)| p.earliest(set).map(|at| (at, c)))
    .min_by_key(|(at, _)| *at)
    .map(|(_, c)| c)
}

fn conversation<P: Facts>(p: &P) -> Category {
    if p.any(rules::BRAINSTORM) {
        return Category::Brainstorming;
    }
    if p.any(rules::RESEARCH) {
        return Category::Exploration;
    }
    match (p.earliest(rules::FEATURE), p.earliest(rules::DEBUG)) {
        (Some(f), Some(d)) => {
            return if f <= d {
                Category::Feature
            } else {
                Category::Debugging
            };
        }
        (Some(_), None) => return Category::Feature,
        (None, Some(_)) => return Category::Debugging,
        (None, None) => {}
    }
    if p.mentions_file() || p.mentions_script() {
        Category::Coding
    } else if p.mentions_url() {
        Category::Exploration
    } else {
        Category::Conversation
    }
}

/// Counts retries over a turn's tool uses: an edit of file F counts when F was edited at an earlier step `p` and a
/// shell command that is not read-shaped (or whose command is unknown) ran at a step between
/// `p` and now. Edits without a file share one key.
pub fn retries_of(uses: &[ToolUse]) -> u32 {
    let mut last_edit: HashMap<u32, usize> = HashMap::new();
    let mut last_verify: Option<usize> = None;
    let mut count = 0;
    for (i, s) in uses.iter().enumerate() {
        if in_set(&s.tool, rules::BASH) {
            if !s.read_only {
                last_verify = Some(i);
            }
        } else if is_edit(&s.tool) {
            let file = s.file.unwrap_or(0);
            if let (Some(&p), Some(v)) = (last_edit.get(&file), last_verify)
                && p < v
                && v < i
            {
                count += 1;
            }
            last_edit.insert(file, i);
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tool use as a provider records it: a shell command, a file, or just a name.
    fn step(tool: &str, file: Option<&str>, command: Option<&str>) -> ToolUse {
        match (command, file) {
            (Some(c), _) => ToolUse::shell("", tool, c),
            (None, Some(f)) => ToolUse::on_file("", tool, f),
            (None, None) => ToolUse::named("", tool),
        }
    }

    /// The category of a turn with this prompt text and these tools.
    fn category(prompt: &str, tools: &[&str]) -> Category {
        category_of(&Prompt::new(prompt), tools)
    }

    /// Classifies a turn from its prompt text.
    fn classify_turn(prompt: &str, uses: &[ToolUse]) -> TurnVerdict {
        classify_uses(&PromptSig::of(prompt), uses)
    }

    fn cat(prompt: &str, tools: &[&str]) -> Category {
        category(prompt, tools)
    }

    #[test]
    fn tool_rules_in_precedence_order() {
        assert_eq!(
            cat("fix it", &["EnterPlanMode", "Edit"]),
            Category::Planning
        );
        assert_eq!(cat("look around", &["Agent"]), Category::Delegation);
        assert_eq!(
            cat("spawn", &["Task"]),
            Category::Delegation,
            "Claude's older spawn name"
        );
        assert_eq!(cat("run the tests", &["Bash"]), Category::Testing);
        assert_eq!(cat("git commit this", &["Bash"]), Category::Git);
        assert_eq!(cat("deploy to staging", &["Bash"]), Category::BuildDeploy);
        assert_eq!(cat("cargo add serde", &["Bash"]), Category::BuildDeploy);
        assert_eq!(cat("do it", &["Edit", "Bash"]), Category::Coding);
        assert_eq!(cat("do it", &["Bash", "Read"]), Category::Exploration);
        assert_eq!(cat("do it", &["Bash"]), Category::Coding);
        assert_eq!(cat("do it", &["WebSearch"]), Category::Exploration);
        assert_eq!(
            cat("do it", &["mcp__github__get_issue"]),
            Category::Exploration
        );
        assert_eq!(cat("do it", &["Grep"]), Category::Exploration);
        assert_eq!(cat("do it", &["TodoWrite"]), Category::Planning);
        assert_eq!(cat("do it", &["Skill"]), Category::General);
        assert_eq!(cat("hello", &["SomethingElse"]), Category::Conversation);
    }

    #[test]
    fn pitfall_48_the_earliest_keyword_refines_coding() {
        assert_eq!(
            cat("add error handling to the parser", &["Edit"]),
            Category::Feature
        );
        assert_eq!(
            cat("fix the layout for the new feature", &["Edit"]),
            Category::Debugging
        );
        assert_eq!(cat("refactor and fix", &["Edit"]), Category::Refactoring);
        assert_eq!(
            cat("rename x", &["MultiEdit"]),
            Category::Refactoring,
            "MultiEdit edits"
        );
        assert_eq!(
            cat("please", &["patch"]),
            Category::Coding,
            "OpenCode's patch edits"
        );
    }

    #[test]
    fn exploration_becomes_debugging_only_for_bugs_without_questions() {
        assert_eq!(cat("why is this broken", &["Read"]), Category::Debugging);
        assert_eq!(
            cat("explain why this is broken", &["Read"]),
            Category::Exploration
        );
    }

    #[test]
    fn conversation_rules() {
        assert_eq!(cat("what if we used sqlite", &[]), Category::Brainstorming);
        assert_eq!(cat("how does the cache work", &[]), Category::Exploration);
        assert_eq!(cat("add a flag", &[]), Category::Feature);
        assert_eq!(cat("the page is broken", &[]), Category::Debugging);
        assert_eq!(
            cat("new crash", &[]),
            Category::Feature,
            "feature wins a tie by position"
        );
        assert_eq!(cat("crash on new input", &[]), Category::Debugging);
        assert_eq!(cat("main.rs please", &[]), Category::Coding);
        assert_eq!(cat("curl it", &[]), Category::Coding);
        assert_eq!(cat("https://example.com", &[]), Category::Exploration);
        assert_eq!(cat("thanks!", &[]), Category::Conversation);
    }

    #[test]
    fn a_retry_is_an_edit_after_running_something() {
        let steps = [
            step("Edit", Some("a.rs"), None),
            step("Bash", None, Some("cargo test")),
            step("Edit", Some("a.rs"), None),
        ];
        let v = classify_turn("fix the test", &steps);
        assert_eq!((v.edit_turn, v.retries, v.one_shot()), (true, 1, false));
    }

    #[test]
    fn pitfall_47_read_shaped_commands_between_edits_are_not_retries() {
        let steps = [
            step("Edit", Some("a.rs"), None),
            step("Bash", None, Some("rg -n foo src | head")),
            step("Edit", Some("a.rs"), None),
            step("Edit", Some("b.rs"), None),
            step("Bash", None, Some("cargo test")),
            step("Edit", Some("c.rs"), None),
        ];
        let v = classify_turn("implement it", &steps);
        assert_eq!(
            (v.retries, v.one_shot()),
            (0, true),
            "other files after a run are not retries"
        );
    }

    #[test]
    fn a_turn_without_edits_is_not_an_edit_turn() {
        let v = classify_turn("look", &[step("Read", Some("a.rs"), None)]);
        assert_eq!((v.edit_turn, v.one_shot()), (false, false));
    }

    #[test]
    fn every_category_has_a_label() {
        assert_eq!(Category::BuildDeploy.label(), "Build/Deploy");
        assert_eq!(
            serde_json::to_string(&Category::BuildDeploy).unwrap(),
            "\"build-deploy\""
        );
    }

    #[test]
    fn categories_round_trip_their_codes_and_ids() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), c);
            assert_eq!(Category::parse(c.id()), Some(c));
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.id())
            );
        }
        assert_eq!(Category::from_code(99), Category::General);
    }

    /// The stored signature classifies exactly as the text it came from, for every rule.
    #[test]
    fn a_prompt_signature_classifies_like_its_text() {
        let prompts = [
            "",
            "fix the login bug",
            "add error handling to the parser",
            "refactor the cache module and fix the tests",
            "run the tests with pytest",
            "git push the branch",
            "npm install and build",
            "deploy to staging",
            "why does the worker crash?",
            "let's brainstorm approaches",
            "look at main.rs",
            "run ./scripts/release.sh",
            "see https://example.com/spec",
            "explain the bug in  the\n\nparser",
            "thanks!",
            "バグを修正して src/app.ts",
        ];
        let tool_sets: [&[&str]; 9] = [
            &[],
            &["Edit"],
            &["Bash"],
            &["Bash", "Read"],
            &["Read"],
            &["mcp__github__get_issue"],
            &["TodoWrite"],
            &["Agent"],
            &["Skill"],
        ];
        for p in prompts {
            let sig = PromptSig::decode(&PromptSig::of(p).encode());
            assert_eq!(sig, PromptSig::of(p), "{p:?}");
            for tools in tool_sets {
                assert_eq!(
                    category_of(&sig, tools),
                    category(p, tools),
                    "{p:?} with {tools:?}"
                );
            }
        }
        assert_eq!(PromptSig::decode("garbage"), PromptSig::default());
    }

    #[test]
    fn self_correction_phrases() {
        assert!(rules::is_self_correction(
            "You're right, I missed the null check."
        ));
        assert!(rules::is_self_correction(
            "My apologies \u{2014} that was wrong."
        ));
        assert!(rules::is_self_correction(
            "I made an error in the loop bound"
        ));
        assert!(!rules::is_self_correction("All tests pass now."));
    }

    #[test]
    fn stored_tool_uses_count_retries_like_steps() {
        let uses = [
            ToolUse::on_file("", "Edit", "/a.rs"),
            ToolUse::shell("", "Bash", "cat a.rs | grep x"),
            ToolUse::on_file("", "Edit", "/a.rs"),
            ToolUse::shell("", "Bash", "cargo test"),
            ToolUse::on_file("", "MultiEdit", "/a.rs"),
            ToolUse::on_file("", "Edit", "/b.rs"),
        ];
        assert_eq!(retries_of(&uses), 1);
        let v = classify_uses(&PromptSig::of("fix the crash"), &uses);
        assert_eq!(v.category, Category::Debugging);
        assert!(v.edit_turn && !v.one_shot());
        // what is stored, and that it reads back the same: store::codec's tests
    }
}
