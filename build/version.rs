// Included by the CLI's and the tray's build scripts (`include!`): the git commit and the
// build date that `burnbar --version` and the tray's About line print.
//
// `BURNBAR_COMMIT` / `BURNBAR_BUILD_DATE` win (a packager's values); else `git rev-parse`
// when the source is a git checkout, else "unknown"; the date honours `SOURCE_DATE_EPOCH`
// (reproducible builds), else today (UTC).

// a build script reads its environment and the clock by nature (the rule is for the crates)
#[allow(clippy::disallowed_methods)]
fn emit_version_info(repo: &std::path::Path) {
    let commit = std::env::var("BURNBAR_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            let out = std::process::Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .current_dir(repo)
                .output()
                .ok()?;
            let sha = String::from_utf8(out.stdout).ok()?.trim().to_string();
            (out.status.success() && !sha.is_empty()).then_some(sha)
        })
        .unwrap_or_else(|| "unknown".to_string());
    let date = std::env::var("BURNBAR_BUILD_DATE")
        .ok()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| {
            let secs = std::env::var("SOURCE_DATE_EPOCH")
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .unwrap_or_else(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
                });
            civil_date(secs.div_euclid(86_400))
        });
    println!("cargo:rustc-env=BURNBAR_COMMIT={commit}");
    println!("cargo:rustc-env=BURNBAR_BUILD_DATE={date}");
    for var in ["BURNBAR_COMMIT", "BURNBAR_BUILD_DATE", "SOURCE_DATE_EPOCH"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    // a new commit (HEAD moves, or the branch it names does)
    let git = repo.join(".git");
    if git.is_dir() {
        println!("cargo:rerun-if-changed={}", git.join("HEAD").display());
        if let Ok(head) = std::fs::read_to_string(git.join("HEAD"))
            && let Some(r) = head.trim().strip_prefix("ref: ")
        {
            println!("cargo:rerun-if-changed={}", git.join(r).display());
        }
        println!("cargo:rerun-if-changed={}", git.join("packed-refs").display());
    }
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01), proleptic Gregorian.
fn civil_date(days: i64) -> String {
    // Howard Hinnant's days_from_civil, inverted
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
