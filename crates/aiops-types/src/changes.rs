//! A session's changes, reviewable: the worktree against the merge-base of its branch
//! with the project's default branch (commits and uncommitted work together), file by
//! file, and the review comments written on them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// How a file differs from the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileChangeKind {
    /// New since the base (committed or added to git).
    Added,
    /// Changed content.
    Modified,
    /// Removed.
    Deleted,
    /// Moved (`old_path` says from where), maybe with changes.
    Renamed,
    /// New and not yet added to git.
    Untracked,
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileChange {
    /// Path relative to the working copy (the new path of a rename).
    pub path: String,
    /// The path before a rename.
    pub old_path: Option<String>,
    /// How the file differs from the base.
    pub kind: FileChangeKind,
    /// Lines added against the base; 0 for binaries.
    pub additions: u32,
    /// Lines removed against the base; 0 for binaries.
    pub deletions: u32,
    /// The file is binary (no line counts, no diff text).
    pub binary: bool,
    /// The index holds changes of this file not yet committed (`git add`ed).
    pub staged: bool,
    /// The working tree holds changes of this file that are not staged.
    pub unstaged: bool,
    /// The unified diff of this file against the base (`diff --git` header first). None
    /// for binaries and for files whose diff is over the per-file cap (`too_large`).
    pub diff: Option<String>,
    /// The file's diff is over 256 KiB: shown collapsed, without its text.
    pub too_large: bool,
}

/// `GET /api/v1/sessions/{id}/changes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionChanges {
    /// The session whose worktree this is.
    pub session_id: i64,
    /// The branch checked out in the worktree.
    pub branch: String,
    /// What the base is: `origin/main` (the default branch at the remote), or the local
    /// default branch when the remote one is unknown.
    pub base_ref: String,
    /// The merge-base commit the files are compared with.
    pub base: String,
    /// The worktree's `HEAD`.
    pub head: String,
    /// Commits on the branch since the base.
    pub commits: u32,
    /// Sorted by path.
    pub files: Vec<FileChange>,
    /// More than 1,000 files changed: the rest are left out.
    pub truncated: bool,
}

/// Where a review comment is: a line of the new file (`side: new`), or of the old one
/// for a removed line (`side: old`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiffSide {
    /// The file as it was at the base (for removed lines).
    Old,
    /// The file as it is in the worktree.
    New,
}

/// A review comment's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Written, not yet sent to the agent.
    Draft,
    /// Asked to be sent; typed into the pane as soon as the agent waits for input.
    Queued,
    /// Typed into the agent's pane.
    Sent,
    /// Done with (by the reviewer).
    Resolved,
}

impl ReviewState {
    /// The lowercase wire name, e.g. `draft`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Resolved => "resolved",
        }
    }
}

impl std::str::FromStr for ReviewState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "draft" => Ok(Self::Draft),
            "queued" => Ok(Self::Queued),
            "sent" => Ok(Self::Sent),
            "resolved" => Ok(Self::Resolved),
            other => Err(format!("unknown review state `{other}`")),
        }
    }
}

/// A comment on lines of a session's changes, for the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewComment {
    /// The comment's id.
    pub id: i64,
    /// The session whose changes it is on.
    pub session_id: i64,
    /// The id of the user who wrote it.
    pub author_id: i64,
    /// The file, relative to the working copy.
    pub path: String,
    /// Whether the lines are of the new file or the old one.
    pub side: DiffSide,
    /// First and last line commented (1-based, in the file of `side`).
    pub line_start: u32,
    /// The last line commented (1-based, not before `line_start`).
    pub line_end: u32,
    /// The lines commented on, as they were (quoted in the review sent to the agent).
    pub quote: String,
    /// The comment's text, for the agent.
    pub body: String,
    /// Where the comment is: draft, queued, sent or resolved.
    pub state: ReviewState,
    /// When it was written (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When it was typed into the agent's pane (RFC 3339, UTC); absent until sent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

/// `POST /api/v1/sessions/{id}/review-comments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"path": "src/lib.rs", "side": "new", "line_start": 12, "line_end": 14,
    "quote": "fn parse(s: &str) -> u32 {", "body": "This panics on empty input; return an error."}))]
#[serde(deny_unknown_fields)]
pub struct NewReviewComment {
    /// The file, relative to the working copy (not absolute; at most 4096 bytes).
    pub path: String,
    /// Whether the lines are of the new file or the old one.
    pub side: DiffSide,
    /// The first line commented, 1-based.
    #[schema(minimum = 1)]
    pub line_start: u32,
    /// The last line commented, 1-based, not before `line_start`.
    #[schema(minimum = 1)]
    pub line_end: u32,
    /// At most 8 KiB.
    #[serde(default)]
    pub quote: String,
    /// 1..=8000 characters.
    pub body: String,
}

/// `PATCH /api/v1/sessions/{id}/review-comments/{comment_id}`: a new body (drafts only)
/// or `resolved: true|false`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"resolved": true}))]
#[serde(deny_unknown_fields)]
pub struct UpdateReviewComment {
    /// The new text (1..=8000 characters); only a draft's body changes (`409` otherwise).
    #[serde(default)]
    pub body: Option<String>,
    /// True resolves the comment; false reopens a resolved one (back to `sent` if it was
    /// sent, else `draft`).
    #[serde(default)]
    pub resolved: Option<bool>,
}

/// `POST /api/v1/sessions/{id}/review-comments/send`: what happened to the drafts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewSent {
    /// The comments included, now `sent` (typed into the pane) or `queued` (typed when
    /// the agent next waits for input).
    pub comments: Vec<ReviewComment>,
    /// True when typed now; false when queued.
    pub typed: bool,
    /// The review as typed (or to be typed).
    pub prompt: String,
}

/// `GET /api/v1/sessions/{id}/review-comments` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewCommentParams {
    /// Include resolved comments (default false).
    pub resolved: Option<bool>,
}

/// `POST /api/v1/projects/{id}/git/stage` and `…/unstage`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session": 12, "paths": ["src/lib.rs"]}))]
#[serde(deny_unknown_fields)]
pub struct StagePaths {
    /// The session whose worktree; default the caller's base clone.
    #[serde(default)]
    pub session: Option<i64>,
    /// Paths relative to the working copy (at most 1,000; none blank, absolute or with a
    /// `..` component); empty: every change.
    #[serde(default)]
    pub paths: Vec<String>,
}
