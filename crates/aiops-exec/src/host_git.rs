//! Git on a session host's working copies (issue 23): the ship step of a session that
//! runs on a host — status, changes, stage, commit, push, branches, files — is the same
//! [`WorkingCopies`] port, each verb sent as one [`GitOp`] in a runtime call
//! ([`crate::host_rpc::Call::Git`]) and run there by [`LocalGit`], so a host's worktree
//! gets the same hardening (argv only, `--end-of-options`, deadlines) as a local one. A
//! verb that reaches `origin` over ssh carries its key as text on stdin, inside SSH.

use aiops_core::CoreResult;
use aiops_core::ports::{GitContext, RawChanges, WorkingCopies};
use aiops_types::{FileContent, FileEntry, GitBranchInfo, GitCommitInfo, GitDiff, GitStatus};
use serde::{Deserialize, Serialize};

use crate::host_rpc::{Call, Reply, decode, unit};
use crate::ssh_runtime::SshRuntime;
use crate::working_copy::LocalGit;

/// One [`WorkingCopies`] verb and its arguments.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all = "snake_case")]
pub enum GitOp {
    Status,
    ListFiles { rel: String },
    ReadFile { rel: String },
    Pull { clean: bool },
    Push { branch: String },
    Commit { message: String, paths: Vec<String> },
    CommitStaged { message: String },
    CreateBranch { name: String, from: Option<String> },
    Checkout { name: String },
    Branches,
    Log { rev: Option<String>, limit: u32 },
    Diff { rev: Option<String>, staged: bool },
    Head,
    RemoteBranches { url: String },
    Changes { default_branch: String },
    Stage { paths: Vec<String> },
    Unstage { paths: Vec<String> },
    ScanHostKeys { host: String, port: u16 },
}

/// Runs `op` in `ctx` on this machine (the host's side of a call).
pub fn serve(ctx: &GitContext, op: GitOp) -> Reply {
    let g = LocalGit;
    match op {
        GitOp::Status => Reply::of(g.status(ctx)),
        GitOp::ListFiles { rel } => Reply::of(g.list_files(ctx, &rel)),
        GitOp::ReadFile { rel } => Reply::of(g.read_file(ctx, &rel)),
        GitOp::Pull { clean } => Reply::of(g.pull(ctx, clean)),
        GitOp::Push { branch } => Reply::of(g.push(ctx, &branch)),
        GitOp::Commit { message, paths } => Reply::of(g.commit(ctx, &message, &paths)),
        GitOp::CommitStaged { message } => Reply::of(g.commit_staged(ctx, &message)),
        GitOp::CreateBranch { name, from } => {
            Reply::of(g.create_branch(ctx, &name, from.as_deref()))
        }
        GitOp::Checkout { name } => Reply::of(g.checkout(ctx, &name)),
        GitOp::Branches => Reply::of(g.branches(ctx)),
        GitOp::Log { rev, limit } => Reply::of(g.log(ctx, rev.as_deref(), limit)),
        GitOp::Diff { rev, staged } => Reply::of(g.diff(ctx, rev.as_deref(), staged)),
        GitOp::Head => Reply::of(g.head(ctx)),
        GitOp::RemoteBranches { url } => Reply::of(g.remote_branches(ctx, &url)),
        GitOp::Changes { default_branch } => Reply::of(g.changes(ctx, &default_branch)),
        GitOp::Stage { paths } => Reply::of(g.stage(ctx, &paths)),
        GitOp::Unstage { paths } => Reply::of(g.unstage(ctx, &paths)),
        GitOp::ScanHostKeys { host, port } => Reply::of(g.scan_host_keys(&host, port)),
    }
}

impl SshRuntime {
    /// `op` in `ctx` on the host: its value.
    fn git(&self, ctx: &GitContext, op: GitOp) -> CoreResult<serde_json::Value> {
        let mut ctx = ctx.clone();
        if let Some(m) = &ctx.ssh {
            ctx.ssh = Some(crate::ssh_runtime::inline(m)?);
        }
        self.call(&Call::Git {
            ctx: Box::new(ctx),
            verb: op,
        })
    }
}

impl WorkingCopies for SshRuntime {
    fn status(&self, ctx: &GitContext) -> CoreResult<GitStatus> {
        decode(self.git(ctx, GitOp::Status)?)
    }
    fn list_files(&self, ctx: &GitContext, rel: &str) -> CoreResult<Vec<FileEntry>> {
        decode(self.git(ctx, GitOp::ListFiles { rel: rel.into() })?)
    }
    fn read_file(&self, ctx: &GitContext, rel: &str) -> CoreResult<FileContent> {
        decode(self.git(ctx, GitOp::ReadFile { rel: rel.into() })?)
    }
    fn pull(&self, ctx: &GitContext, clean: bool) -> CoreResult<String> {
        decode(self.git(ctx, GitOp::Pull { clean })?)
    }
    fn push(&self, ctx: &GitContext, branch: &str) -> CoreResult<String> {
        decode(self.git(
            ctx,
            GitOp::Push {
                branch: branch.into(),
            },
        )?)
    }
    fn commit(&self, ctx: &GitContext, message: &str, p: &[String]) -> CoreResult<String> {
        let op = GitOp::Commit {
            message: message.into(),
            paths: p.to_vec(),
        };
        decode(self.git(ctx, op)?)
    }
    fn commit_staged(&self, ctx: &GitContext, message: &str) -> CoreResult<String> {
        let op = GitOp::CommitStaged {
            message: message.into(),
        };
        decode(self.git(ctx, op)?)
    }
    fn create_branch(
        &self,
        ctx: &GitContext,
        name: &str,
        from: Option<&str>,
    ) -> CoreResult<String> {
        let op = GitOp::CreateBranch {
            name: name.into(),
            from: from.map(Into::into),
        };
        decode(self.git(ctx, op)?)
    }
    fn checkout(&self, ctx: &GitContext, name: &str) -> CoreResult<String> {
        decode(self.git(ctx, GitOp::Checkout { name: name.into() })?)
    }
    fn branches(&self, ctx: &GitContext) -> CoreResult<Vec<GitBranchInfo>> {
        decode(self.git(ctx, GitOp::Branches)?)
    }
    fn log(
        &self,
        ctx: &GitContext,
        rev: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<GitCommitInfo>> {
        let op = GitOp::Log {
            rev: rev.map(Into::into),
            limit,
        };
        decode(self.git(ctx, op)?)
    }
    fn diff(&self, ctx: &GitContext, rev: Option<&str>, staged: bool) -> CoreResult<GitDiff> {
        let op = GitOp::Diff {
            rev: rev.map(Into::into),
            staged,
        };
        decode(self.git(ctx, op)?)
    }
    fn head(&self, ctx: &GitContext) -> CoreResult<(String, String)> {
        decode(self.git(ctx, GitOp::Head)?)
    }
    fn remote_branches(&self, ctx: &GitContext, url: &str) -> CoreResult<Vec<String>> {
        decode(self.git(ctx, GitOp::RemoteBranches { url: url.into() })?)
    }
    fn changes(&self, ctx: &GitContext, default_branch: &str) -> CoreResult<RawChanges> {
        let op = GitOp::Changes {
            default_branch: default_branch.into(),
        };
        decode(self.git(ctx, op)?)
    }
    fn stage(&self, ctx: &GitContext, p: &[String]) -> CoreResult<()> {
        unit(self.git(ctx, GitOp::Stage { paths: p.to_vec() })?)
    }
    fn unstage(&self, ctx: &GitContext, p: &[String]) -> CoreResult<()> {
        unit(self.git(ctx, GitOp::Unstage { paths: p.to_vec() })?)
    }
    fn scan_host_keys(&self, host: &str, port: u16) -> CoreResult<Vec<String>> {
        let op = GitOp::ScanHostKeys {
            host: host.into(),
            port,
        };
        decode(self.git(&GitContext::default(), op)?)
    }
}

#[cfg(test)]
mod tests {
    use aiops_core::CoreError;

    use super::*;

    /// A verb's error comes back as the same kind (a refusal stays a 400/409, not a 500).
    #[test]
    fn a_refused_verb_keeps_its_kind_across_the_wire() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = GitContext {
            dir: dir.path().to_owned(),
            ..GitContext::default()
        };
        let op = GitOp::ReadFile {
            rel: "../../etc/passwd".into(),
        };
        let wire = serde_json::to_string(&Call::Git {
            ctx: Box::new(ctx),
            verb: op,
        })
        .unwrap();
        let Call::Git { ctx, verb } = serde_json::from_str(&wire).unwrap() else {
            panic!("a git call decodes as one");
        };
        let reply: Reply =
            serde_json::from_str(&serde_json::to_string(&serve(&ctx, verb)).unwrap()).unwrap();
        let err = reply.into_result("h").unwrap_err();
        assert!(matches!(err, CoreError::Invalid { .. }), "{err:?}");
    }
}
