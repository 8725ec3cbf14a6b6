//! The agent's standard workflow, in the CLI's grammar: the `## Workflow` part of every
//! session's `AGENTS.override.md` (filled in by `aiops-core`) and `aiops help agents`
//! (with placeholders). One text, so what agents read and what people look up agree.

/// The workflow with `{issue}`, `{project}` and `{branch}` to fill in ([`agent_guide`]).
pub const AGENT_GUIDE: &str = "\
- Work on branch `{branch}` only; commit with clear messages.
- Inside this session `aiops` is logged in with a key that reaches this session, its
  issue, its project's issues and its worktree only; the issue (`{issue}`) is the default
  of `aiops workflow`.
- Sync the project's trackers: `aiops issues sync --project {project}`
- The project's open issues: `aiops issues list --project {project}`
- The issue and every comment: `aiops issues view {issue}`
- What changed: `aiops git status {project}`, `aiops git diff {project}`
- Commit: `aiops git commit {project} \"message\" --files a,b` (without --files: every
  change)
- Report progress: `aiops workflow progress \"what is done, what is next\"`
- Any other comment: `aiops issues comment {issue} \"text\"` (text that begins with `-`
  goes after `--`)
- Commit and report it in one step: `aiops workflow submit -m \"message\" --files a,b`
- Push the branch: `aiops git push {project}`; open a pull request from it:
  `aiops git pr-create {project} --title \"…\" --source {branch} --issue {issue}` (merging
  is for people)
- Ask the developer when a decision is theirs; do not guess.
- When the work is done: `aiops workflow complete --summary \"what changed\"` (comments
  and closes the issue)
";

/// [`AGENT_GUIDE`] with its placeholders replaced.
pub fn agent_guide(issue: &str, project: &str, branch: &str) -> String {
    AGENT_GUIDE
        .replace("{issue}", issue)
        .replace("{project}", project)
        .replace("{branch}", branch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        let text = agent_guide("12", "7", "aiops/12-fix");
        assert!(!text.contains('{') && !text.contains('}'), "{text}");
        assert!(text.contains("aiops issues view 12"), "{text}");
        assert!(text.contains("aiops git commit 7 \"message\""), "{text}");
        assert!(text.contains("aiops issues list --project 7"), "{text}");
    }
}
