use super::*;

const PATCH: &str = "\
diff --git a/README.md b/README.md
index 1111111..2222222 100644
--- a/README.md
+++ b/README.md
@@ -1 +1,2 @@
 # demo
+more
diff --git a/old.txt b/new.txt
similarity index 90%
rename from old.txt
rename to new.txt
diff --git a/gone.rs b/gone.rs
deleted file mode 100644
index 3333333..0000000
--- a/gone.rs
+++ /dev/null
@@ -1 +0,0 @@
-fn main() {}
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..4444444
Binary files /dev/null and b/logo.png differ
";

fn raw() -> RawChanges {
    RawChanges {
        branch: "aiops/1-fix".into(),
        base_ref: "origin/main".into(),
        base: "b".repeat(40),
        head: "h".repeat(40),
        commits: 2,
        numstat: "1\t0\tREADME.md\0\
                  0\t0\t\0old.txt\0new.txt\0\
                  0\t1\tgone.rs\0\
                  -\t-\tlogo.png\0"
            .into(),
        patch: PATCH.into(),
        patch_truncated: false,
        status: "M  README.md\0 M gone.rs\0R  new.txt\0old.txt\0?? notes/todo.md\0?? data.bin\0"
            .into(),
        untracked: vec![
            ("notes/todo.md".into(), Some("one\ntwo".into())),
            ("data.bin".into(), None),
        ],
    }
}

#[test]
fn every_kind_of_change_is_read_with_its_counts_and_index_state() {
    let c = read(7, raw());
    let by: BTreeMap<&str, &FileChange> = c.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let paths: Vec<&str> = c.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "README.md",
            "data.bin",
            "gone.rs",
            "logo.png",
            "new.txt",
            "notes/todo.md"
        ],
        "sorted by path"
    );
    let readme = by["README.md"];
    assert_eq!(
        (readme.kind, readme.additions, readme.deletions),
        (FileChangeKind::Modified, 1, 0)
    );
    assert!(readme.staged && !readme.unstaged);
    assert!(readme.diff.as_deref().unwrap().contains("+more"));
    let renamed = by["new.txt"];
    assert_eq!(renamed.kind, FileChangeKind::Renamed);
    assert_eq!(renamed.old_path.as_deref(), Some("old.txt"));
    assert!(
        renamed.staged,
        "the status names the rename by its new path"
    );
    let gone = by["gone.rs"];
    assert_eq!((gone.kind, gone.deletions), (FileChangeKind::Deleted, 1));
    assert!(!gone.staged && gone.unstaged);
    let logo = by["logo.png"];
    assert!(logo.binary && logo.diff.is_none());
    assert_eq!(logo.kind, FileChangeKind::Added);
    let todo = by["notes/todo.md"];
    assert_eq!((todo.kind, todo.additions), (FileChangeKind::Untracked, 2));
    assert!(
        todo.diff
            .as_deref()
            .unwrap()
            .contains("+two\n\\ No newline at end of file")
    );
    assert!(by["data.bin"].binary, "untracked without readable text");
    assert_eq!((c.commits, c.base_ref.as_str()), (2, "origin/main"));
    assert!(!c.truncated);
}

#[test]
fn a_patch_cut_short_leaves_the_files_past_it_collapsed_not_wrong() {
    let mut r = raw();
    r.patch = PATCH[..PATCH.find("diff --git a/gone.rs").unwrap()].into();
    r.patch_truncated = true;
    let c = read(7, r);
    let gone = c.files.iter().find(|f| f.path == "gone.rs").unwrap();
    assert!(gone.diff.is_none() && gone.too_large, "{gone:?}");
    let readme = c.files.iter().find(|f| f.path == "README.md").unwrap();
    assert!(readme.diff.is_some());
    assert!(c.truncated);
}

#[test]
fn a_huge_file_diff_is_collapsed() {
    let mut r = raw();
    let big = format!(
        "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -0,0 +1 @@\n+{}\n",
        "x".repeat(MAX_FILE_DIFF_BYTES)
    );
    r.patch = big + &PATCH[PATCH.find("diff --git a/old.txt").unwrap()..];
    let c = read(7, r);
    let readme = c.files.iter().find(|f| f.path == "README.md").unwrap();
    assert!(readme.too_large && readme.diff.is_none());
    assert!(
        c.files
            .iter()
            .find(|f| f.path == "gone.rs")
            .unwrap()
            .diff
            .is_some()
    );
}

#[test]
fn stage_paths_stay_inside_the_working_copy() {
    let req = |p: &str| StagePaths {
        session: None,
        paths: vec![p.into()],
    };
    assert!(paths(&req("src/lib.rs")).is_ok());
    for bad in ["/etc/passwd", "../x", "a/../../x", "", "a\0b"] {
        assert!(paths(&req(bad)).is_err(), "{bad:?}");
    }
}
