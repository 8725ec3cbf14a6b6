//! Path traversal: nothing outside the working copy (or inside `.git`) can be read.

use aiops_exec::files::{FileError, list, read, resolve};

#[test]
fn paths_out_of_the_working_copy_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wt");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join(".git/config"), "[remote]").unwrap();
    std::fs::write(root.join("src/lib.rs"), "fn main() {}\n").unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), root.join("out")).unwrap();
    std::os::unix::fs::symlink("src/lib.rs", root.join("inside")).unwrap();

    for bad in [
        "../secret.txt",
        "../../etc/passwd",
        "/etc/passwd",
        "src/../../secret.txt",
        "out",
        ".git/config",
        "src/\0x",
    ] {
        assert!(
            matches!(resolve(&root, bad), Err(FileError::Outside(_))),
            "{bad:?} is refused"
        );
    }
    assert_eq!(read(&root, "src/lib.rs").unwrap().1, b"fn main() {}\n");
    assert_eq!(
        read(&root, "inside").unwrap().1,
        b"fn main() {}\n",
        "a link inside is fine"
    );
    assert!(matches!(read(&root, "nope.rs"), Err(FileError::Missing(_))));
    let names: Vec<String> = list(&root, "")
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["inside", "out", "src"], ".git is not listed");
}
