//! Build script of package `aiops`.
//!
//! With the `desktop` feature, `tauri_build` validates `tauri.conf.json` and the icons and
//! prepares what `tauri::generate_context!` embeds. The server-only build
//! (`--no-default-features --features server`) does nothing here, so it needs no Tauri,
//! GTK or WebKit at build time.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "desktop")]
    tauri_build::build();
}
