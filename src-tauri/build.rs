include!("../build/version.rs");

fn main() {
    // The popover is compiled from ui/src (TypeScript) into ui/dist, which tauri embeds.
    let dist = std::path::Path::new("../ui/dist/index.html");
    println!("cargo:rerun-if-changed=../ui/dist");
    assert!(
        dist.exists(),
        "ui/dist is missing: build the popover first with `scripts/ui.sh` (./run and ./test do)"
    );
    emit_version_info(std::path::Path::new(".."));
    tauri_build::build();
}
