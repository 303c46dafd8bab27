//! A prompt's classifier signature: everything the rules need from a prompt and nothing
//! else (where each keyword set first matches; whether it names a file, a script or a URL).
//! The index stores this per turn instead of the text, so a turn can be classified again when
//! more of it arrives, and no prompt text is ever kept.

use super::{Facts, Prompt, rules};

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
        PromptSig {
            at,
            file: p.mentions_file(),
            script: p.mentions_script(),
            url: p.mentions_url(),
        }
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
        s
    }

    /// Reads [`PromptSig::encode`]'s form; anything unreadable is an empty prompt.
    pub fn decode(s: &str) -> PromptSig {
        let (pos, flags) = s.split_once(';').unwrap_or((s, ""));
        let mut sig = PromptSig {
            file: flags.contains('f'),
            script: flags.contains('s'),
            url: flags.contains('u'),
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
