//! The index's compact form of a call's tool uses (the `tools` column): one line per use,
//! `name[#id][@file][$prog,prog][!][^][%][=detail]`, e.g. `Bash#1a2b3c4d$cargo!` (`!` read-only,
//! `^` delivers, `%` a generated path). Names never hold
//! the separators (a [`ToolUse`] replaces them when it is made), so every list reads back
//! exactly as it was written; the tests check it.

use crate::model::ToolUse;

/// Tool uses as stored, `None` (NULL) for none.
pub(crate) fn encode_tools(tools: &[ToolUse]) -> Option<String> {
    (!tools.is_empty()).then(|| encode_list(tools))
}

/// Reads [`encode_tools`]' form.
pub(crate) fn decode_tools(s: Option<&str>) -> Vec<ToolUse> {
    s.map(decode_list).unwrap_or_default()
}

/// The compact stored form of a call's tool uses: one per line,
/// `name[#id][@file][$prog,prog][!][=detail]` (`Bash#1a2b3c4d$cargo!`).
fn encode_list(tools: &[ToolUse]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for (n, t) in tools.iter().enumerate() {
        if n > 0 {
            s.push('\n');
        }
        s.push_str(&t.tool);
        if !t.id.is_empty() {
            s.push('#');
            s.push_str(&t.id);
        }
        if let Some(f) = t.file {
            let _ = write!(s, "@{f:08x}");
        }
        if !t.programs.is_empty() {
            s.push('$');
            s.push_str(&t.programs.join(","));
        }
        if t.read_only {
            s.push('!');
        }
        if t.delivers {
            s.push('^');
        }
        if t.generated {
            s.push('%');
        }
        if let Some(d) = &t.detail {
            s.push('=');
            s.push_str(d);
        }
    }
    s
}

/// Reads [`encode_list`]'s form.
fn decode_list(s: &str) -> Vec<ToolUse> {
    s.split('\n')
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (line, detail) = match line.split_once('=') {
                Some((l, d)) => (l, Some(d.to_string())),
                None => (line, None),
            };
            let (line, generated) = match line.strip_suffix('%') {
                Some(l) => (l, true),
                None => (line, false),
            };
            let (line, delivers) = match line.strip_suffix('^') {
                Some(l) => (l, true),
                None => (line, false),
            };
            let (line, read_only) = match line.strip_suffix('!') {
                Some(l) => (l, true),
                None => (line, false),
            };
            let (line, programs) = match line.split_once('$') {
                Some((l, p)) => (l, p.split(',').map(str::to_string).collect()),
                None => (line, Vec::new()),
            };
            let (line, file) = match line.split_once('@') {
                Some((l, f)) => (l, u32::from_str_radix(f, 16).ok()),
                None => (line, None),
            };
            let (tool, id) = match line.split_once('#') {
                Some((t, i)) => (t, i.to_string()),
                None => (line, String::new()),
            };
            ToolUse {
                id,
                tool: tool.to_string(),
                file,
                programs,
                read_only,
                detail,
                delivers,
                generated,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_tool_uses_keep_no_path_or_command_and_read_back_the_same() {
        let uses = [
            ToolUse::on_file("", "Edit", "/a.rs"),
            ToolUse::shell("", "Bash", "cat a.rs | grep x"),
            ToolUse::shell("toolu_2", "Bash", "cargo test && git commit -am wip"),
            ToolUse::on_file("", "Read", "/w/node_modules/x/index.js"),
            ToolUse::on_file("toolu_9", "MultiEdit", "/a.rs"),
            ToolUse::named("", "Skill").with_detail(Some("pdf")),
        ];
        let stored = encode_tools(&uses).unwrap();
        assert!(
            !stored.contains("a.rs") && !stored.contains("grep x"),
            "{stored}"
        );
        assert_eq!(decode_tools(Some(&stored)), uses);
        let odd = [ToolUse::named("toolu_1", "we!rd=name#x").with_detail(Some("a,b$c"))];
        assert_eq!(decode_tools(encode_tools(&odd).as_deref()), odd);
        assert_eq!(encode_tools(&[]), None);
        assert!(decode_tools(None).is_empty());
    }
}
