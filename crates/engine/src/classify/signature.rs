//! A prompt's classifier signature: everything the rules need from a prompt and nothing
//! else (where each keyword set first matches; whether it names a file, a script or a URL).
//! The index stores this per turn instead of the text, so a turn can be classified again when
//! more of it arrives, and no prompt text is ever kept.

use super::{Facts, Prompt, rules};
use std::fmt::Write as _;

/// The keyword sets a prompt signature records, in its order.
const SIG_SETS: [&[&str]; 9] = [
    rules::TEST,
    rules::GIT,
    rules::BUILD,
    rules::INSTALL,
    rules::DEBUG,
    rules::FEATURE,
    rules::REFACTOR,
    rules::BRAINSTORM,
    rules::RESEARCH,
];

/// Everything the rules need from a prompt and nothing else: where each keyword set first
/// matches and whether it names a file, a script or a URL. This, not the text, is what the
/// index stores per turn, so a turn can be classified again when more of it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PromptSig {
    at: [Option<u32>; 9],
    file: bool,
    script: bool,
    url: bool,
    /// The prompt's length in characters (0 for a command or system wrapper, which is not
    /// something the user wrote).
    pub len: u32,
    /// For a prompt of [`OPENER_CHARS`] or more: a hash of its first 2,000 characters with
    /// whitespace collapsed (`recurring-context` groups sessions that open the same way).
    pub opener: Option<u32>,
    /// A hash of the slash command the prompt runs (`/review`), if it runs one.
    pub command: Option<u32>,
}

/// How long a prompt must be for its opening to count as pasted context.
pub const OPENER_CHARS: u32 = 1500;

/// The slash command a prompt runs: `<command-name>/x</command-name>` as Claude Code logs it,
/// or a prompt that is `/x ...`.
fn slash_command(text: &str) -> Option<&str> {
    let name = match text.find("<command-name>") {
        Some(i) => {
            let rest = &text[i + "<command-name>".len()..];
            &rest[..rest.find('<')?]
        }
        None => text.split_whitespace().next()?,
    };
    let name = name.trim().strip_prefix('/')?;
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_:.".contains(c)))
    .then_some(name)
}

/// The facts of a prompt's opening: its length, and a hash of its normalised first 2,000
/// characters when it is long enough to be pasted context. Command and system wrappers are
/// not user text.
fn opener(text: &str) -> (u32, Option<u32>) {
    let t = text.trim_start();
    if t.starts_with("<command-")
        || t.starts_with("<system-reminder>")
        || t.starts_with("<local-command")
    {
        return (0, None);
    }
    let len = u32::try_from(t.chars().count()).unwrap_or(u32::MAX);
    if len < OPENER_CHARS {
        return (len, None);
    }
    // whitespace collapsed first, then the first 2,000 characters
    let normal: String = t
        .split_whitespace()
        .flat_map(|w| std::iter::once(' ').chain(w.chars().filter(|c| *c != '\u{1b}')))
        .skip(1)
        .take(2000)
        .collect();
    (len, Some(crate::model::fnv32(&normal)))
}

/// Every keyword of [`SIG_SETS`] in one automaton, with the sets each belongs to: one pass
/// over a prompt finds every set's earliest whole-word match (the same answer as
/// [`Prompt::earliest`] per set, which the tests check).
static SIG_MATCHER: std::sync::LazyLock<(aho_corasick::AhoCorasick, Vec<Vec<usize>>)> =
    std::sync::LazyLock::new(|| {
        let mut patterns: Vec<&str> = Vec::new();
        let mut sets: Vec<Vec<usize>> = Vec::new();
        for (i, set) in SIG_SETS.iter().enumerate() {
            for p in *set {
                match patterns.iter().position(|q| q == p) {
                    Some(at) => sets[at].push(i),
                    None => {
                        patterns.push(p);
                        sets.push(vec![i]);
                    }
                }
            }
        }
        let ac = aho_corasick::AhoCorasick::new(&patterns).expect("keyword patterns build");
        (ac, sets)
    });

impl PromptSig {
    /// The signature of a prompt's text.
    pub fn of(text: &str) -> PromptSig {
        let p = Prompt::new(text);
        let (ac, sets) = &*SIG_MATCHER;
        let s = p.as_str();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let mut at: [Option<u32>; 9] = [None; 9];
        for m in ac.find_overlapping_iter(s) {
            if word(s[..m.start()].chars().next_back()) || word(s[m.end()..].chars().next()) {
                continue;
            }
            let start = u32::try_from(m.start()).unwrap_or(u32::MAX);
            for &i in &sets[m.pattern().as_usize()] {
                if at[i].is_none_or(|a| start < a) {
                    at[i] = Some(start);
                }
            }
        }
        let (len, opener) = opener(text);
        PromptSig {
            at,
            file: p.mentions_file(),
            script: p.mentions_script(),
            url: p.mentions_url(),
            len,
            opener,
            command: slash_command(text).map(crate::model::fnv32),
        }
    }

    /// The hash a slash command's name has in [`PromptSig::command`].
    pub fn command_hash(name: &str) -> u32 {
        crate::model::fnv32(name)
    }

    /// A compact text form for the index: nine positions (`-` for none), then the flags.
    pub fn encode(&self) -> String {
        let mut s = String::with_capacity(32);
        for (i, a) in self.at.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            match a {
                Some(n) => s.push_str(&n.to_string()),
                None => s.push('-'),
            }
        }
        s.push(';');
        for (flag, c) in [(self.file, 'f'), (self.script, 's'), (self.url, 'u')] {
            if flag {
                s.push(c);
            }
        }
        // then `;len;opener;command` (hex, empty for none): absent from older rows
        if self.len > 0 || self.opener.is_some() || self.command.is_some() {
            let hex = |h: Option<u32>| h.map(|h| format!("{h:08x}")).unwrap_or_default();
            let _ = write!(
                s,
                ";{};{};{}",
                self.len,
                hex(self.opener),
                hex(self.command)
            );
        }
        s
    }

    /// Reads [`PromptSig::encode`]'s form; anything unreadable is an empty prompt.
    pub fn decode(s: &str) -> PromptSig {
        let mut parts = s.split(';');
        let pos = parts.next().unwrap_or("");
        let flags = parts.next().unwrap_or("");
        let hex = |p: Option<&str>| p.and_then(|h| u32::from_str_radix(h, 16).ok());
        let mut sig = PromptSig {
            file: flags.contains('f'),
            script: flags.contains('s'),
            url: flags.contains('u'),
            len: parts.next().and_then(|l| l.parse().ok()).unwrap_or(0),
            opener: hex(parts.next()),
            command: hex(parts.next()),
            ..PromptSig::default()
        };
        for (slot, part) in sig.at.iter_mut().zip(pos.split(',')) {
            *slot = part.parse().ok();
        }
        sig
    }
}

impl Facts for PromptSig {
    fn earliest(&self, set: &[&str]) -> Option<usize> {
        let i = SIG_SETS
            .iter()
            .position(|s| std::ptr::eq(*s, set) || *s == set)?;
        self.at[i].map(|n| n as usize)
    }
    fn mentions_file(&self) -> bool {
        self.file
    }
    fn mentions_script(&self) -> bool {
        self.script
    }
    fn mentions_url(&self) -> bool {
        self.url
    }
}
