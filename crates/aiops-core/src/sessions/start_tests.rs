//! Which worktree a new session of an issue continues in ([`super::earlier_worktree`]).

use std::path::Path;

use super::earlier_worktree;
use crate::fakes::{FakeSessions, session};

/// User 2's session `id` of issue 7 that worked in `dir` on `branch`.
fn worked(id: i64, dir: &str, branch: &str) -> aiops_types::Session {
    let mut s = session(id, "exited", None);
    s.user_id = 2;
    s.issue_id = Some(7);
    s.worktree_path = dir.to_owned();
    s.branch = branch.to_owned();
    s
}

const WS: &str = "/data/workspaces/2/acme/web";

#[test]
fn a_new_session_continues_in_the_last_sessions_worktree_and_branch() {
    let store = FakeSessions::with(vec![
        worked(
            1,
            "/data/workspaces/2/acme/web/worktrees/7-old",
            "aiops/7-old",
        ),
        worked(
            2,
            "/data/workspaces/2/acme/web/worktrees/7-fix",
            "aiops/7-fix",
        ),
    ]);
    let plan = earlier_worktree(&store, 2, 7, Path::new(WS)).expect("the newest one");
    assert_eq!(
        plan.path,
        Path::new("/data/workspaces/2/acme/web/worktrees/7-fix")
    );
    assert_eq!(plan.branch, "aiops/7-fix");
    assert!(
        earlier_worktree(&store, 3, 7, Path::new(WS)).is_none(),
        "another user's is not theirs"
    );
    assert!(
        earlier_worktree(&store, 2, 8, Path::new(WS)).is_none(),
        "nor another issue's"
    );
}

#[test]
fn only_the_newest_counts_and_only_a_worktree_of_this_workspace() {
    // The newest worked in the base clone: start afresh rather than revive an older one.
    let store = FakeSessions::with(vec![
        worked(
            1,
            "/data/workspaces/2/acme/web/worktrees/7-old",
            "aiops/7-old",
        ),
        worked(2, "/data/workspaces/2/acme/web/repo", "main"),
    ]);
    assert!(earlier_worktree(&store, 2, 7, Path::new(WS)).is_none());
    // A worktree of another project's workspace, or a look-alike path, is not this one.
    for dir in [
        "/data/workspaces/2/acme/api/worktrees/7-x",
        "/data/workspaces/2/acme/web/worktrees-evil/7-x",
    ] {
        let store = FakeSessions::with(vec![worked(1, dir, "aiops/7-x")]);
        assert!(
            earlier_worktree(&store, 2, 7, Path::new(WS)).is_none(),
            "{dir}"
        );
    }
}

#[test]
fn a_worktree_without_a_branch_is_not_continued() {
    let store = FakeSessions::with(vec![worked(
        1,
        "/data/workspaces/2/acme/web/worktrees/7-x",
        "",
    )]);
    assert!(earlier_worktree(&store, 2, 7, Path::new(WS)).is_none());
}
