//! The classifier's rules, in one table.
//!
//! Keywords are matched case-insensitively on whole words (`\b…\b`: the characters around a
//! match are not letters, digits or `_`), with any run of white space in the prompt counting as
//! one space. Where a rule needs the position of a match (coding refinement, conversation
//! rules), the earliest match wins: "add error handling" is feature work (`add` comes first),
//! "fix the layout for the new feature" is debugging.
//!
//! Tool sets name tools as the providers report them (case-insensitive). Edits include
//! `MultiEdit`, `Patch` and `Create` (CodeBurn leaves them out, so such turns never counted as
//! edit turns), and a sub-agent spawn is `Agent` or Claude's older `Task`.

/// Phrases in the assistant's own text that own up to a mistake (compare's self-correction
/// rate). Matched case-insensitively as substrings.
pub const SELF_CORRECTION: &[&str] = &[
    "my mistake",
    "my bad",
    "my apolog",
    "i apologize",
    "i was wrong",
    "i was incorrect",
    "i made a mistake",
    "i made an error",
    "i made a error",
    "i made an mistake",
    "i incorrectly",
    "i mistakenly",
    "that was incorrect",
    "that was wrong",
    "that was an error",
    "let me correct that",
    "i need to correct",
    "you're right. i",
    "you're right, i",
    "sorry about that",
];

/// True when assistant text contains a [`SELF_CORRECTION`] phrase (ASCII case-insensitive,
/// a typographic apostrophe read as `'`), in one pass without copying the text.
pub fn is_self_correction(text: &str) -> bool {
    static PHRASES: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            let curly: Vec<String> = SELF_CORRECTION
                .iter()
                .filter(|p| p.contains('\''))
                .map(|p| p.replace('\'', "\u{2019}"))
                .collect();
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(
                    SELF_CORRECTION
                        .iter()
                        .copied()
                        .chain(curly.iter().map(String::as_str)),
                )
                .expect("phrases build")
        });
    PHRASES.is_match(text)
}

/// Tools that change files.
pub const EDIT: &[&str] = &[
    "edit",
    "write",
    "multiedit",
    "notebookedit",
    "fileedittool",
    "filewritetool",
    "cursor:edit",
    "patch",
    "apply_patch",
    "create",
];
/// Tools that read files.
pub const READ: &[&str] = &[
    "read",
    "grep",
    "glob",
    "filereadtool",
    "greptool",
    "globtool",
    "ls",
];
/// Shell tools.
pub const BASH: &[&str] = &["bash", "bashtool", "powershelltool", "shell"];
/// Task-list tools.
pub const TASK: &[&str] = &[
    "taskcreate",
    "taskupdate",
    "taskget",
    "tasklist",
    "taskoutput",
    "taskstop",
    "todowrite",
];
/// Web and tool search.
pub const SEARCH: &[&str] = &["websearch", "webfetch", "toolsearch"];
/// Plan mode.
pub const PLAN: &[&str] = &["enterplanmode"];
/// Sub-agent spawns.
pub const AGENT: &[&str] = &["agent", "task"];

/// Tests.
pub const TEST: &[&str] = &[
    "test",
    "tests",
    "pytest",
    "vitest",
    "jest",
    "mocha",
    "spec",
    "coverage",
    "npm test",
    "npx vitest",
    "npx jest",
];
/// Git operations (`git` + a subcommand).
pub const GIT: &[&str] = &[
    "git push",
    "git pull",
    "git commit",
    "git merge",
    "git rebase",
    "git checkout",
    "git branch",
    "git stash",
    "git log",
    "git diff",
    "git status",
    "git add",
    "git reset",
    "git cherry-pick",
    "git tag",
];
/// Builds and deploys.
pub const BUILD: &[&str] = &[
    "npm run build",
    "npm publish",
    "pip install",
    "docker",
    "deploy",
    "make build",
    "npm run dev",
    "npm start",
    "pm2",
    "systemctl",
    "brew",
    "cargo build",
];
/// Installs.
pub const INSTALL: &[&str] = &[
    "npm install",
    "pip install",
    "brew install",
    "apt install",
    "cargo add",
];
/// Debugging.
pub const DEBUG: &[&str] = &[
    "fix",
    "bug",
    "error",
    "broken",
    "failing",
    "crash",
    "issue",
    "debug",
    "traceback",
    "exception",
    "stack trace",
    "stacktrace",
    "not working",
    "wrong",
    "unexpected",
    "status code",
    "404",
    "500",
    "401",
    "403",
];
/// New features.
pub const FEATURE: &[&str] = &[
    "add",
    "create",
    "implement",
    "new",
    "build",
    "feature",
    "introduce",
    "set up",
    "setup",
    "scaffold",
    "generate",
    "make a",
    "make me",
    "make the",
    "write a",
    "write me",
    "write the",
];
/// Refactoring.
pub const REFACTOR: &[&str] = &[
    "refactor",
    "clean up",
    "cleanup",
    "rename",
    "reorganize",
    "simplify",
    "extract",
    "restructure",
    "move",
    "migrate",
    "split",
];
/// Brainstorming.
pub const BRAINSTORM: &[&str] = &[
    "brainstorm",
    "idea",
    "ideas",
    "what if",
    "explore",
    "think about",
    "approach",
    "strategy",
    "design",
    "consider",
    "how should",
    "what would",
    "opinion",
    "suggest",
    "recommend",
];
/// Research and questions.
pub const RESEARCH: &[&str] = &[
    "research",
    "investigate",
    "look into",
    "find out",
    "check",
    "search",
    "analyze",
    "review",
    "understand",
    "explain",
    "how does",
    "what is",
    "show me",
    "list",
    "compare",
];
/// Scripts and data.
pub const SCRIPT: &[&str] = &[
    "execute",
    "script",
    "scrpt",
    "curl",
    "endpoint",
    "request url",
    "query",
    "database",
];
/// File extensions that make a message about code.
pub const FILE_EXTENSIONS: &[&str] = &[
    "py", "js", "ts", "tsx", "jsx", "json", "yaml", "yml", "toml", "sql", "sh", "go", "rs", "java",
    "rb", "php", "css", "html", "md", "csv", "xml",
];

/// A prompt prepared for matching: lower case, white space collapsed.
pub struct Prompt(String);

impl Prompt {
    /// Prepares `text`.
    pub fn new(text: &str) -> Prompt {
        Prompt(
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase(),
        )
    }

    /// The prepared text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The byte position of the earliest whole-word match of any of `patterns`.
    pub fn earliest(&self, patterns: &[&str]) -> Option<usize> {
        patterns.iter().filter_map(|p| self.find_word(p)).min()
    }

    /// True when any of `patterns` matches.
    pub fn any(&self, patterns: &[&str]) -> bool {
        self.earliest(patterns).is_some()
    }

    fn find_word(&self, pattern: &str) -> Option<usize> {
        let text = self.0.as_str();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let mut from = 0;
        while let Some(i) = text[from..].find(pattern) {
            let start = from + i;
            let end = start + pattern.len();
            if !word(text[..start].chars().next_back()) && !word(text[end..].chars().next()) {
                return Some(start);
            }
            from = start + text[start..].chars().next().map_or(1, char::len_utf8);
        }
        None
    }

    /// A word ending in a code file extension (`main.rs`, `app.tsx`).
    pub fn mentions_file(&self) -> bool {
        self.0
            .split(|c: char| c.is_whitespace() || ",;:()[]{}'\"`".contains(c))
            .any(|w| {
                w.rsplit_once('.').is_some_and(|(stem, ext)| {
                    !stem.is_empty()
                        && FILE_EXTENSIONS.contains(&ext.trim_end_matches(['.', '!', '?']))
                })
            })
    }

    /// Scripts: `run <x>.<ext>`, `api <x>`, `fetch <x>`, `db <x>`, or a [`SCRIPT`] keyword.
    pub fn mentions_script(&self) -> bool {
        let words: Vec<&str> = self.0.split(' ').collect();
        let followed =
            |w: &str, i: usize| words.get(i).is_some_and(|n| !n.is_empty()) && w.len() > 1;
        self.any(SCRIPT)
            || words.iter().enumerate().any(|(i, w)| match *w {
                "run" => words.get(i + 1).is_some_and(|n| n.contains('.')),
                "api" | "fetch" | "db" => followed(w, i + 1),
                _ => false,
            })
    }

    /// A URL.
    pub fn mentions_url(&self) -> bool {
        ["http://", "https://"].iter().any(|p| {
            self.0.match_indices(p).any(|(i, _)| {
                self.0[i + p.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| !c.is_whitespace())
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_whole_and_case_insensitively() {
        let p = Prompt::new("Please  FIX the\nstack   trace in prefix.rs");
        assert_eq!(p.earliest(&["fix"]), Some(7), "`prefix` is not `fix`");
        assert!(p.any(&["stack trace"]));
        assert!(!p.any(&["bug"]));
        assert!(p.mentions_file());
        assert!(!Prompt::new("version 2.5 is out").mentions_file());
    }

    #[test]
    fn scripts_and_urls() {
        assert!(Prompt::new("run build.sh please").mentions_script());
        assert!(Prompt::new("call the api users").mentions_script());
        assert!(!Prompt::new("go for a run").mentions_script());
        assert!(Prompt::new("see https://example.com/x").mentions_url());
        assert!(!Prompt::new("https:// alone").mentions_url());
    }
}
