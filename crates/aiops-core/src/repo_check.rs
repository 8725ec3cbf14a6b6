//! Checking a project's repository (issue 20's first hour): does it answer, as the
//! caller reaches it (their ssh key, the project's deploy key, or https), and does it
//! hold the default branch? git's own error becomes one sentence saying what to do.

use aiops_types::RepoCheck;

use crate::ports::{GitContext, ProjectStore, SshStore, TenantStore, UserStore};
use crate::sessions::Host;
use crate::sessions::plan::git_env;
use crate::{CoreError, CoreResult, Principal, projects};

/// Branches listed in the answer.
const SHOWN: usize = 20;

/// Checks project `id`'s repository as `caller`.
pub fn check(
    store: &(impl UserStore + TenantStore + ProjectStore + SshStore),
    host: &Host<'_>,
    caller: &Principal,
    id: i64,
) -> CoreResult<RepoCheck> {
    let project = projects::get(store, caller, id)?;
    let me = store
        .user_by_id(caller.user_id)?
        .ok_or_else(|| CoreError::Unauthorized("your user no longer exists".into()))?
        .user;
    let failed = |message: String| RepoCheck {
        ok: false,
        reachable: false,
        default_branch: project.default_branch.clone(),
        default_branch_exists: false,
        branches: Vec::new(),
        message,
    };
    let ssh = match crate::ssh::material(store, host.secret_key, host.git, caller.user_id, &project)
    {
        Ok(m) => m,
        // No key, or a host key to confirm: the sentence says which and how.
        Err(e @ (CoreError::Invalid { .. } | CoreError::Conflict(_))) => {
            return Ok(failed(e.to_string()));
        }
        Err(e) => return Err(e),
    };
    let ctx = GitContext {
        dir: Default::default(),
        allow_file: crate::validate::local_repo(&project.repo_url),
        env: git_env(&me),
        ssh,
    };
    let mut branches = match host.git.remote_branches(&ctx, &project.repo_url) {
        Ok(b) => b,
        Err(CoreError::Upstream(git)) => return Ok(failed(explain(&project.repo_url, &git))),
        Err(e) => return Err(e),
    };
    branches.sort();
    let exists = branches.contains(&project.default_branch);
    let message = if exists {
        format!(
            "{} answers; its default branch `{}` exists.",
            project.repo_url, project.default_branch
        )
    } else if branches.is_empty() {
        format!(
            "{} answers but has no branches yet: push `{}` to it first.",
            project.repo_url, project.default_branch
        )
    } else {
        format!(
            "{} has no branch `{}`: set the project's default branch to one of {}.",
            project.repo_url,
            project.default_branch,
            branches
                .iter()
                .take(5)
                .map(|b| format!("`{b}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    branches.truncate(SHOWN);
    Ok(RepoCheck {
        ok: exists,
        reachable: true,
        default_branch: project.default_branch,
        default_branch_exists: exists,
        branches,
        message,
    })
}

/// git's error about `url`, as one sentence a person can act on.
pub fn explain(url: &str, git: &str) -> String {
    let g = git.to_ascii_lowercase();
    let why = if g.contains("could not resolve host") || g.contains("name or service not known") {
        "its host name does not resolve: check the URL (and the server's DNS)"
    } else if g.contains("connection refused")
        || g.contains("connection timed out")
        || g.contains("timed out")
    {
        "its host does not answer: check the URL, the port and the network"
    } else if g.contains("permission denied (publickey") {
        "the server refused the ssh key: add your public key (`aiops ssh-keys list`) to the repository's host, or ask for a deploy key"
    } else if g.contains("host key verification failed") {
        "the host's ssh key is not trusted: confirm it with `aiops known-hosts`"
    } else if g.contains("authentication failed")
        || g.contains("could not read username")
        || g.contains("terminal prompts disabled")
    {
        "it needs credentials: use its ssh URL with a key, or make it readable"
    } else if g.contains("repository not found")
        || g.contains("does not appear to be a git repository")
        || g.contains("not found")
    {
        "there is no repository there (or you may not see it): check the URL"
    } else if g.contains("certificate") || g.contains("ssl") {
        "its TLS certificate is not trusted by this server: install its CA or use ssh"
    } else {
        return format!(
            "{url} cannot be reached: {}",
            git.lines().next().unwrap_or(git).trim()
        );
    };
    format!("{url} cannot be reached: {why}.")
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn gits_errors_become_what_to_do() {
        let u = "https://git.example.com/a/b.git";
        for (git, says) in [
            (
                "fatal: unable to access 'x': Could not resolve host: git.example.com",
                "does not resolve",
            ),
            (
                "git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.",
                "refused the ssh key",
            ),
            (
                "remote: Repository not found.\nfatal: repository 'x' not found",
                "no repository there",
            ),
            (
                "fatal: could not read Username for 'https://github.com': terminal prompts disabled",
                "needs credentials",
            ),
            (
                "fatal: '/srv/x.git' does not appear to be a git repository",
                "no repository there",
            ),
            (
                "fatal: unable to access 'x': Failed to connect to h port 443: Connection refused",
                "does not answer",
            ),
        ] {
            let s = explain(u, git);
            assert!(
                s.contains(says) && s.starts_with(u) && s.ends_with('.'),
                "{git} → {s}"
            );
        }
        assert_eq!(
            explain(u, "fatal: something new\nmore"),
            format!("{u} cannot be reached: fatal: something new")
        );
    }
}
