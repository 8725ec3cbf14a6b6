use std::path::Path;

use super::*;

#[test]
fn writes_replace_a_planted_symlink_instead_of_following_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, outside) = (tmp.path().join("work"), tmp.path().join("secret"));
    std::fs::create_dir(&work).unwrap();
    std::fs::write(&outside, "keep").unwrap();
    std::os::unix::fs::symlink(&outside, work.join("AGENTS.override.md")).unwrap();
    write(&work, Path::new("AGENTS.override.md"), b"context", 0o644).unwrap();
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
    assert_eq!(
        std::fs::read_to_string(work.join("AGENTS.override.md")).unwrap(),
        "context"
    );
}

#[test]
fn a_symlinked_folder_on_the_way_is_refused_for_reads_and_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, outside) = (tmp.path().join("work"), tmp.path().join("data"));
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.key"), "k").unwrap();
    std::os::unix::fs::symlink(&outside, work.join(".claude")).unwrap();
    let rel = Path::new(".claude/settings.local.json");
    assert!(write(&work, rel, b"{}", 0o644).is_err());
    assert!(!outside.join("settings.local.json").exists());
    assert!(open_in(&work, Path::new(".claude/secret.key")).is_err());
    assert!(read_small(&work, Path::new(".claude/secret.key"), 10).is_none());
}

#[test]
fn missing_folders_are_made_and_dot_dot_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), Path::new("a/b/c.txt"), b"x", 0o600).unwrap();
    assert_eq!(
        read_small(tmp.path(), Path::new("a/b/c.txt"), 10).unwrap(),
        b"x"
    );
    assert!(write(tmp.path(), Path::new("../escape"), b"x", 0o600).is_err());
    assert!(open_in(tmp.path(), Path::new("/etc/passwd")).is_err());
}
