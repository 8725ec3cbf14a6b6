//! Input a pane or a child process cannot take is refused at the API with 400 and a clear
//! message, never a 500: a NUL byte (argv and tmux cannot carry it) in text sent to a
//! session, a commit message, a file path, a branch or a revision; a full ref name
//! (`refs/heads/x`) where a branch name is asked for. Text the pane can take arrives,
//! however long (up to the documented 64 KiB).

use aiops_client::{Client, ClientError};
use aiops_types::{ErrorCode, GitBranch, GitCommit, GitPush, GitRangeQuery, GitWhere, SendText};

use crate::common::{ServerProcess, runtime};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state, work};
use crate::terminal::Term;

/// A 400 `invalid_input` whose message says `words`; anything else fails the test.
fn assert_bad_input<T: std::fmt::Debug>(r: Result<T, ClientError>, words: &str, what: &str) {
    match r {
        Err(ClientError::Api {
            code: ErrorCode::InvalidInput,
            message,
            ..
        }) => assert!(
            message.contains(words),
            "{what}: the message says `{words}`: {message:?}"
        ),
        other => panic!("{what}: expected 400 invalid_input, got {other:?}"),
    }
}

#[test]
fn nul_bytes_and_full_ref_names_are_bad_input_and_long_text_arrives() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = demo_issue(&server, "Inputs");
    let s = work(&server, &issue, "shell");
    let sid = s["id"].as_i64().unwrap();
    let project = s["project_id"].as_i64().unwrap();
    wait_state(&server, sid, "running");
    let admin: Client = server.admin_client();
    runtime().block_on(async {
        let send = |text: &str| SendText {
            text: text.into(),
            enter: true,
        };
        assert_bad_input(
            admin.send_to_session(sid, &send("echo a\0b")).await,
            "NUL",
            "send with a NUL byte",
        );
        // Longer than one tmux command may carry (~16 KiB): it arrives whole.
        let mut term = Term::open(&server, sid, &server.admin_key, "?mode=read")
            .await
            .unwrap();
        let long = format!("echo {}end-$((40+2))", "x".repeat(40 * 1024));
        admin
            .send_to_session(sid, &send(&long))
            .await
            .expect("40 KiB of text reaches the pane");
        term.wait_for(0, "end-42").await;

        let at = || Some(sid);
        let commit = |message: &str, files: Vec<String>| GitCommit {
            session: at(),
            message: message.into(),
            files,
            staged: false,
        };
        assert_bad_input(
            admin.git_commit(project, &commit("fix\0", vec![])).await,
            "NUL",
            "a commit message with a NUL byte",
        );
        assert_bad_input(
            admin
                .git_commit(project, &commit("fix", vec!["a\0.txt".into()]))
                .await,
            "NUL",
            "a file path with a NUL byte",
        );
        let both = GitCommit {
            staged: true,
            ..commit("fix", vec!["README.md".into()])
        };
        assert_bad_input(
            admin.git_commit(project, &both).await,
            "give no files",
            "the index as it is and files at once",
        );
        let where_ = |path: &str| GitWhere {
            session: at(),
            path: Some(path.into()),
        };
        assert_bad_input(
            admin.git_cat(project, &where_("README.md\0")).await,
            "NUL",
            "cat of a path with a NUL byte",
        );
        assert_bad_input(
            admin.git_files(project, &where_("a\0b")).await,
            "NUL",
            "files under a path with a NUL byte",
        );
        let range = |rev: &str| GitRangeQuery {
            session: at(),
            rev: Some(rev.into()),
            ..Default::default()
        };
        assert_bad_input(
            admin.git_log(project, &range("HEAD\0")).await,
            "NUL",
            "log of a revision with a NUL byte",
        );
        assert_bad_input(
            admin.git_diff(project, &range("HEAD\0")).await,
            "NUL",
            "diff against a revision with a NUL byte",
        );
        let branch = |name: &str, from: Option<&str>| GitBranch {
            session: at(),
            name: name.into(),
            from: from.map(str::to_owned),
        };
        assert_bad_input(
            admin.git_branch(project, &branch("x\0y", None)).await,
            "branch",
            "a branch with a NUL byte",
        );
        assert_bad_input(
            admin
                .git_branch(project, &branch("ok", Some("HEAD\0")))
                .await,
            "NUL",
            "a start point with a NUL byte",
        );
        for (what, r) in [
            (
                "branch",
                admin
                    .git_branch(project, &branch("refs/heads/x", None))
                    .await,
            ),
            (
                "checkout",
                admin
                    .git_checkout(project, &branch("refs/heads/x", None))
                    .await,
            ),
        ] {
            assert_bad_input(r, "refs/", what);
        }
        assert_bad_input(
            admin
                .git_push(
                    project,
                    &GitPush {
                        session: at(),
                        branch: Some("refs/heads/main".into()),
                    },
                )
                .await,
            "refs/",
            "push of a full ref name",
        );
        // The session is unharmed.
        admin
            .send_to_session(sid, &send("echo still-$((1+1))"))
            .await
            .unwrap();
        term.wait_for(0, "still-2").await;
    });
}
