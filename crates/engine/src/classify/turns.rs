//! A session's turns, put together from what the index keeps: its prompts (time and
//! [`PromptSig`]) and its calls in time order.
//!
//! Each call belongs to the latest prompt at or before it (sub-agent calls included), so a
//! turn is classified whole however many appends it arrived in, and re-classified when more of
//! it arrives. A call before any prompt on record is a turn of its own: without a prompt there
//! is nothing to tie it to the calls around it. Pure: no I/O, no store.

use super::{Category, PromptSig, TurnVerdict, classify_uses};
use crate::model::ToolUse;

/// One turn of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// The prompt it began with; `None` for a call before any prompt on record.
    pub sig: Option<PromptSig>,
    /// Its calls: indices into the session's calls, in time order.
    pub calls: Vec<usize>,
}

impl Turn {
    /// What the classifier says of the turn, given its calls' tool uses in order.
    pub fn verdict(&self, uses: &[ToolUse]) -> TurnVerdict {
        match &self.sig {
            Some(sig) => classify_uses(sig, uses),
            // no prompt on record and no tools: nothing to go on
            None if uses.is_empty() => TurnVerdict {
                category: Category::General,
                edit_turn: false,
                retries: 0,
            },
            None => classify_uses(&PromptSig::default(), uses),
        }
    }
}

/// Splits a session's calls into turns at its prompts. `prompts` (UTC ms, signature) and
/// `call_times` (UTC ms) must each be in time order; a prompt and a call at the same
/// millisecond put the call in that prompt's turn.
pub fn split(prompts: &[(i64, PromptSig)], call_times: impl IntoIterator<Item = i64>) -> Vec<Turn> {
    let mut out: Vec<Turn> = Vec::new();
    let mut open: Option<usize> = None; // index into prompts of the open turn
    for (i, ts) in call_times.into_iter().enumerate() {
        let at = prompts.partition_point(|(p, _)| *p <= ts);
        match at.checked_sub(1) {
            None => out.push(Turn {
                sig: None,
                calls: vec![i],
            }),
            Some(p) if open == Some(p) => {
                if let Some(t) = out.last_mut() {
                    t.calls.push(i);
                }
            }
            Some(p) => {
                open = Some(p);
                out.push(Turn {
                    sig: Some(prompts[p].1),
                    calls: vec![i],
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(text: &str) -> PromptSig {
        PromptSig::of(text)
    }

    #[test]
    fn each_call_joins_the_latest_prompt_at_or_before_it() {
        let prompts = [(100, sig("fix the bug")), (200, sig("add a flag"))];
        let turns = split(&prompts, [100, 150, 199, 200, 250]);
        assert_eq!(
            turns,
            vec![
                Turn {
                    sig: Some(prompts[0].1),
                    calls: vec![0, 1, 2],
                },
                Turn {
                    sig: Some(prompts[1].1),
                    calls: vec![3, 4],
                },
            ],
            "a call at the prompt's own millisecond opens its turn"
        );
    }

    #[test]
    fn calls_before_any_prompt_are_turns_of_their_own() {
        let prompts = [(500, sig("hello"))];
        let turns = split(&prompts, [10, 20, 600]);
        assert_eq!(turns.len(), 3);
        assert_eq!((turns[0].sig, turns[0].calls.clone()), (None, vec![0]));
        assert_eq!((turns[1].sig, turns[1].calls.clone()), (None, vec![1]));
        assert_eq!(turns[2].calls, vec![2]);
    }

    #[test]
    fn a_prompt_without_calls_makes_no_turn() {
        let prompts = [(100, sig("a")), (200, sig("b")), (300, sig("c"))];
        let turns = split(&prompts, [150, 350]);
        assert_eq!(turns.len(), 2, "the prompt at 200 had no call");
        assert_eq!(turns[1].sig, Some(prompts[2].1));
    }

    #[test]
    fn no_calls_no_turns() {
        assert!(split(&[(1, sig("x"))], []).is_empty());
    }

    #[test]
    fn a_turn_is_classified_whole_from_all_its_calls_tools() {
        let prompts = [(0, sig("fix the failing test"))];
        let turns = split(&prompts, [1, 2, 3]);
        let uses = [
            ToolUse::on_file("", "Edit", "/a.rs"),
            ToolUse::shell("", "Bash", "cargo test"),
            ToolUse::on_file("", "Edit", "/a.rs"),
        ];
        let v = turns[0].verdict(&uses);
        assert_eq!(v.category, Category::Debugging);
        assert!(v.edit_turn);
        assert_eq!(v.retries, 1, "edit, run, edit the same file again");
    }

    #[test]
    fn a_turn_without_a_prompt_or_tools_is_general() {
        let t = Turn {
            sig: None,
            calls: vec![0],
        };
        assert_eq!(t.verdict(&[]).category, Category::General);
        assert_eq!(
            t.verdict(&[ToolUse::named("", "Read")]).category,
            Category::Exploration,
            "without a prompt, the tools still decide"
        );
    }
}
