//! Project identity: from a logged working directory to the project it belongs to.
//!
//! - Separators and case: a Windows path (`C:\Users\Me\App`, `c:/users/me/app/`) is folded to
//!   forward slashes and lower case so the variants one tool writes group together; POSIX paths
//!   keep their case. Trailing slashes go.
//! - Worktrees: walking up from the directory (only when it exists on this machine), the first
//!   `.git` decides. A `.git` *directory* is an ordinary repository: the directory itself is the
//!   project (a parent with a stray `.git` never absorbs its sub-projects). A `.git` *file*
//!   pointing into `<main>/.git/worktrees/<name>` is a linked worktree: the project is `<main>`.
//!   Any other `.git` file (a `--separate-git-dir` repository) is not a worktree.
//! - Slugs are never expanded back into paths: `-Users-me-my-app` could be `my.app` or `my-app`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Canonicalises project paths, memoised per distinct input.
#[derive(Debug, Default)]
pub struct Projects {
    probe_fs: bool,
    memo: HashMap<String, String>,
}

impl Projects {
    /// A resolver; `probe_fs` enables the worktree walk on the real file system.
    pub fn new(probe_fs: bool) -> Projects {
        Projects {
            probe_fs,
            memo: HashMap::new(),
        }
    }

    /// The canonical project key for a logged directory.
    pub fn canonical(&mut self, cwd: &str) -> String {
        if let Some(hit) = self.memo.get(cwd) {
            return hit.clone();
        }
        let mut out = normalize(cwd);
        if self.probe_fs
            && out.starts_with('/')
            && let Some(main) = worktree_main(Path::new(&out))
        {
            out = normalize(&main.to_string_lossy());
        }
        self.memo.insert(cwd.to_string(), out.clone());
        out
    }
}

/// The display name of a canonical project: its last path segment. (A Gemini project known
/// only by its hash shows as that hash; one a tool names without a path — cursor-agent's
/// slug, Codebuff's basename, stored as `<tool>-project:<name>` until a known path resolves
/// it — as the name.)
pub fn display_name(project: &str) -> &str {
    if let Some((tag, name)) = project.split_once(':')
        && tag.ends_with("-project")
        && !name.is_empty()
        && !tag.contains('/')
    {
        return name;
    }
    project
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or(project)
}

/// Folds separators (and case, for Windows paths) and strips trailing slashes.
pub fn normalize(cwd: &str) -> String {
    let cwd = cwd.trim();
    let b = cwd.as_bytes();
    let windows =
        cwd.contains('\\') || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':');
    let mut s = if windows {
        cwd.replace('\\', "/").to_lowercase()
    } else {
        cwd.to_string()
    };
    while s.contains("//") {
        s = s.replace("//", "/");
    }
    while s.len() > 1 && s.ends_with('/') {
        s.pop();
    }
    s
}

/// The main repository of a linked worktree containing `dir`, if it is one.
fn worktree_main(dir: &Path) -> Option<PathBuf> {
    if !dir.is_dir() {
        return None;
    }
    for ancestor in dir.ancestors() {
        let git = ancestor.join(".git");
        let Ok(meta) = std::fs::metadata(&git) else {
            continue;
        };
        if meta.is_dir() {
            return None;
        }
        let text = crate::untrusted::read_capped_string(&git, 64 << 10).ok()?;
        let gitdir = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
        let gitdir = if Path::new(gitdir).is_absolute() {
            PathBuf::from(gitdir)
        } else {
            ancestor.join(gitdir)
        };
        let s = gitdir.to_string_lossy().replace('\\', "/");
        let i = s.find("/.git/worktrees/")?;
        return Some(PathBuf::from(&s[..i]));
    }
    None
}

/// The path of a workspace folder URI: `file:///home/me/my%20app` -> `/home/me/my app`;
/// `vscode-remote://ssh-remote+box/srv/app` -> `/srv/app`.
pub fn path_of_uri(uri: &str) -> Option<String> {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    let path = if uri.starts_with("file://") {
        rest
    } else {
        rest.find('/').map_or("", |i| &rest[i..])
    };
    let decoded = percent_decode(path);
    let trimmed = decoded.trim_end_matches('/');
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pitfall_6_windows_case_and_slash_variants_group() {
        assert_eq!(normalize(r"C:\Users\Me\App\"), "c:/users/me/app");
        assert_eq!(normalize("c:/users/me/app/"), "c:/users/me/app");
        assert_eq!(
            normalize("/Users/Me/App/"),
            "/Users/Me/App",
            "POSIX paths keep case"
        );
        assert_eq!(normalize("/a//b"), "/a/b");
        assert_eq!(normalize("/"), "/");
    }

    #[test]
    fn pitfall_6_a_parent_git_dir_does_not_absorb_subprojects() {
        let t = tempfile::tempdir().unwrap();
        let parent = t.path().join("parent");
        std::fs::create_dir_all(parent.join(".git")).unwrap();
        std::fs::create_dir_all(parent.join("sub")).unwrap();
        let sub = parent.join("sub").to_string_lossy().into_owned();
        assert_eq!(Projects::new(true).canonical(&sub), sub);
    }

    #[test]
    fn pitfall_6_linked_worktrees_group_under_the_main_repo() {
        let t = tempfile::tempdir().unwrap();
        let main = t.path().join("main");
        std::fs::create_dir_all(main.join(".git/worktrees/feat")).unwrap();
        let wt = t.path().join("wt-feat");
        std::fs::create_dir_all(wt.join("src")).unwrap();
        let gitdir = main.join(".git/worktrees/feat");
        std::fs::write(wt.join(".git"), format!("gitdir: {}\n", gitdir.display())).unwrap();
        let mut p = Projects::new(true);
        let main_s = main.to_string_lossy().into_owned();
        assert_eq!(p.canonical(&wt.to_string_lossy()), main_s);
        assert_eq!(p.canonical(&wt.join("src").to_string_lossy()), main_s);
    }

    #[test]
    fn pitfall_6_separate_git_dir_repos_are_not_worktrees() {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::write(repo.join(".git"), "gitdir: /srv/git/repo.git\n").unwrap();
        let s = repo.to_string_lossy().into_owned();
        assert_eq!(Projects::new(true).canonical(&s), s);
    }

    #[test]
    fn display_name_is_the_last_segment() {
        assert_eq!(display_name("/home/dev/work/web app"), "web app");
        assert_eq!(display_name("-Users-me-my-app"), "-Users-me-my-app");
        assert_eq!(display_name("c:/users/me/app"), "app");
        assert_eq!(display_name("codebuff-project:shop"), "shop");
        assert_eq!(
            display_name("cursor-project:home-dev-shop"),
            "home-dev-shop"
        );
        assert_eq!(display_name("c:/x-project:y"), "x-project:y");
    }
}
