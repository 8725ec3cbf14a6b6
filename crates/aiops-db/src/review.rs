//! `review_comments`: review comments on a session's changes (issue 20).

use aiops_core::sessions::review::{NewReviewRow, ReviewStore};
use aiops_core::{CoreError, CoreResult};
use aiops_types::{DiffSide, ReviewComment, ReviewState};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::time_text::now;
use crate::{Db, Ts, internal, parse_text};

const SELECT: &str = "SELECT id, session_id, author_id, path, side, line_start, line_end,
    quote, body, state, created_at, updated_at, sent_at FROM review_comments";

fn side(s: &str) -> rusqlite::Result<DiffSide> {
    match s {
        "old" => Ok(DiffSide::Old),
        "new" => Ok(DiffSide::New),
        other => Err(rusqlite::Error::FromSqlConversionFailure(
            4,
            rusqlite::types::Type::Text,
            format!("unknown diff side `{other}`").into(),
        )),
    }
}

fn side_text(s: DiffSide) -> &'static str {
    match s {
        DiffSide::Old => "old",
        DiffSide::New => "new",
    }
}

fn comment(r: &Row<'_>) -> rusqlite::Result<ReviewComment> {
    Ok(ReviewComment {
        id: r.get(0)?,
        session_id: r.get(1)?,
        author_id: r.get(2)?,
        path: r.get(3)?,
        side: side(&r.get::<_, String>(4)?)?,
        line_start: r.get(5)?,
        line_end: r.get(6)?,
        quote: r.get(7)?,
        body: r.get(8)?,
        state: parse_text::<ReviewState>(9, &r.get::<_, String>(9)?)?,
        created_at: r.get::<_, Ts>(10)?.0,
        updated_at: r.get::<_, Ts>(11)?.0,
        sent_at: r.get::<_, Option<Ts>>(12)?.map(|t| t.0),
    })
}

fn find(c: &Connection, id: i64) -> CoreResult<Option<ReviewComment>> {
    c.prepare_cached(&format!("{SELECT} WHERE id = ?1"))
        .and_then(|mut st| st.query_row([id], comment).optional())
        .map_err(internal)
}

impl ReviewStore for Db {
    fn review_comments(&self, session_id: i64, resolved: bool) -> CoreResult<Vec<ReviewComment>> {
        let sql =
            format!("{SELECT} WHERE session_id = ?1 AND (?2 OR state != 'resolved') ORDER BY id");
        self.read(|c| {
            let mut st = c.prepare_cached(&sql).map_err(internal)?;
            let rows = st
                .query_map(params![session_id, resolved], comment)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn insert_review_comment(&self, r: &NewReviewRow) -> CoreResult<ReviewComment> {
        self.write(|tx| {
            let t = Ts(now());
            tx.execute(
                "INSERT INTO review_comments (session_id, author_id, path, side, line_start,
                     line_end, quote, body, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                params![
                    r.session_id,
                    r.author_id,
                    r.path,
                    side_text(r.side),
                    r.line_start,
                    r.line_end,
                    r.quote,
                    r.body,
                    t
                ],
            )
            .map_err(internal)?;
            find(tx, tx.last_insert_rowid())?
                .ok_or_else(|| CoreError::Internal("inserted review comment vanished".into()))
        })
    }

    fn update_review_comment(
        &self,
        id: i64,
        body: Option<&str>,
        state: Option<ReviewState>,
    ) -> CoreResult<ReviewComment> {
        self.write(|tx| {
            tx.execute(
                "UPDATE review_comments SET body = COALESCE(?2, body),
                     state = COALESCE(?3, state), updated_at = ?4 WHERE id = ?1",
                params![id, body, state.map(ReviewState::as_str), Ts(now())],
            )
            .map_err(internal)?;
            find(tx, id)?.ok_or_else(|| CoreError::not_found(format!("review comment {id}")))
        })
    }

    fn delete_review_comment(&self, id: i64) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM review_comments WHERE id = ?1", [id])
                .map_err(internal)?;
            Ok(())
        })
    }

    fn move_review_comments(
        &self,
        session_id: i64,
        from: ReviewState,
        to: ReviewState,
    ) -> CoreResult<Vec<ReviewComment>> {
        self.write(|tx| {
            let t = Ts(now());
            let ids: Vec<i64> = {
                let mut st = tx
                    .prepare_cached(
                        "UPDATE review_comments SET state = ?3, updated_at = ?4,
                             sent_at = CASE WHEN ?3 = 'sent' THEN ?4 ELSE sent_at END
                         WHERE session_id = ?1 AND state = ?2 RETURNING id",
                    )
                    .map_err(internal)?;
                let rows = st
                    .query_map(params![session_id, from.as_str(), to.as_str(), t], |r| {
                        r.get(0)
                    })
                    .map_err(internal)?;
                rows.collect::<Result<_, _>>().map_err(internal)?
            };
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(find(tx, id)?);
            }
            out.sort_by_key(|c| c.id);
            Ok(out)
        })
    }
}
