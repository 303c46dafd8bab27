include!("../../build/version.rs");

fn main() {
    emit_version_info(std::path::Path::new("../.."));
}
