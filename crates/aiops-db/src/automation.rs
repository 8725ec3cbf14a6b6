//! `automation_targets` and `automation_runs`. Secrets are stored only sealed (the core
//! seals them); a run's state, times and error are its job's (`jobs`), joined in.

use aiops_core::automation::{AutomationStore, NewRun, RunFilter, TargetRecord, TargetRow};
use aiops_core::page::PageQuery;
use aiops_core::ports::{NewAudit, TokenWrite, Viewer};
use aiops_core::{CoreError, CoreResult};
use aiops_types::{AutomationRun, AutomationTarget, JobState};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::integrations::{VISIBLE, sealed, write_row_sealed};
use crate::time_text::now;
use crate::{Db, Ts, audit, conflict_on_unique, internal, parse_text};

/// Where targets and their sealed token and vault password live.
const TABLE: &str = "automation_targets";

const TARGET_SELECT: &str = "SELECT g.id, g.tenant_id, t.slug, g.name, g.kind, g.base_url,
    g.token IS NOT NULL, g.semaphore_project_id, g.verify_tls, g.http_timeout_secs,
    g.task_timeout_secs, g.poll_interval_secs, g.inventory, g.vault_password IS NOT NULL,
    g.created_at, g.updated_at, g.token, g.token_key_id, g.vault_password, g.vault_key_id
    FROM automation_targets g JOIN tenants t ON t.id = g.tenant_id";

const RUN_SELECT: &str = "SELECT r.id, r.target_id, g.name, g.kind, r.tenant_id,
    COALESCE(j.state, 'queued'), r.job_id, r.project_id, r.session_id, r.issue_id,
    r.requested_by, r.template_id, r.semaphore_project_id, r.remote_task_id, r.playbook,
    r.inventory, r.options, r.exit_code, j.error, r.created_at, j.started_at, j.finished_at
    FROM automation_runs r JOIN automation_targets g ON g.id = r.target_id
    LEFT JOIN jobs j ON j.id = r.job_id";

fn target(r: &Row<'_>) -> rusqlite::Result<TargetRecord> {
    Ok(TargetRecord {
        target: AutomationTarget {
            id: r.get(0)?,
            tenant_id: r.get(1)?,
            tenant_slug: r.get(2)?,
            name: r.get(3)?,
            kind: parse_text(4, &r.get::<_, String>(4)?)?,
            base_url: r.get(5)?,
            has_token: r.get(6)?,
            semaphore_project_id: r.get(7)?,
            verify_tls: r.get(8)?,
            http_timeout_secs: r.get(9)?,
            task_timeout_secs: r.get(10)?,
            poll_interval_secs: r.get(11)?,
            inventory: r.get(12)?,
            has_vault_password: r.get(13)?,
            created_at: r.get::<_, Ts>(14)?.0,
            updated_at: r.get::<_, Ts>(15)?.0,
        },
        token: sealed(r.get(16)?, r.get(17)?),
        vault_password: sealed(r.get(18)?, r.get(19)?),
    })
}

fn run(r: &Row<'_>) -> rusqlite::Result<AutomationRun> {
    let state: String = r.get(5)?;
    let options: String = r.get(16)?;
    Ok(AutomationRun {
        id: r.get(0)?,
        target_id: r.get(1)?,
        target_name: r.get(2)?,
        kind: parse_text(3, &r.get::<_, String>(3)?)?,
        tenant_id: r.get(4)?,
        state: parse_text::<JobState>(5, &state)?,
        job_id: r.get(6)?,
        project_id: r.get(7)?,
        session_id: r.get(8)?,
        issue_id: r.get(9)?,
        requested_by: r.get(10)?,
        template_id: r.get(11)?,
        semaphore_project_id: r.get(12)?,
        remote_task_id: r.get(13)?,
        playbook: r.get(14)?,
        inventory: r.get(15)?,
        options: serde_json::from_str(&options).unwrap_or_default(),
        exit_code: r.get(17)?,
        error: r.get(18)?,
        queued_at: r.get::<_, Ts>(19)?.0,
        started_at: r.get::<_, Option<Ts>>(20)?.map(|t| t.0),
        finished_at: r.get::<_, Option<Ts>>(21)?.map(|t| t.0),
    })
}

fn find_target(c: &Connection, viewer: Viewer, id: i64) -> CoreResult<Option<TargetRecord>> {
    let mut args = vec![Value::Integer(id)];
    let mut sql = format!("{TARGET_SELECT} WHERE g.id = ?");
    if let Some(uid) = viewer.member_id() {
        sql.push_str(&format!(" AND {VISIBLE}"));
        args.push(Value::Integer(uid));
    }
    c.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_row(rusqlite::params_from_iter(args), target)
                .optional()
        })
        .map_err(internal)
}

fn find_run(c: &Connection, viewer: Viewer, id: i64) -> CoreResult<Option<AutomationRun>> {
    let mut args = vec![Value::Integer(id)];
    let mut sql = format!("{RUN_SELECT} WHERE r.id = ?");
    if let Some(uid) = viewer.member_id() {
        sql.push_str(&format!(" AND {VISIBLE}"));
        args.push(Value::Integer(uid));
    }
    c.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_row(rusqlite::params_from_iter(args), run)
                .optional()
        })
        .map_err(internal)
}

fn duplicate(row: &TargetRow) -> impl Fn() -> String + '_ {
    move || {
        format!(
            "an automation target named `{}` already exists in this tenant",
            row.name
        )
    }
}

/// The target's API token and Ansible vault password.
fn write_secrets(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    token: TokenWrite<'_>,
    vault: TokenWrite<'_>,
) -> CoreResult<()> {
    write_row_sealed(
        tx,
        TABLE,
        id,
        [
            (["token", "token_key_id"], token),
            (["vault_password", "vault_key_id"], vault),
        ],
    )
}

impl AutomationStore for Db {
    fn list_automation_targets(
        &self,
        viewer: Viewer,
        tenant_id: Option<i64>,
        page: PageQuery,
    ) -> CoreResult<Vec<AutomationTarget>> {
        crate::integrations::tenant_rows(self, TARGET_SELECT, viewer, tenant_id, page, |r| {
            target(r).map(|x| x.target)
        })
    }

    fn automation_target(&self, viewer: Viewer, id: i64) -> CoreResult<Option<TargetRecord>> {
        self.read(|c| find_target(c, viewer, id))
    }

    fn insert_automation_target(
        &self,
        row: &TargetRow,
        token: TokenWrite<'_>,
        vault: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<AutomationTarget> {
        self.write(|tx| {
            let t = Ts(now());
            tx.execute(
                "INSERT INTO automation_targets (tenant_id, name, kind, base_url,
                     semaphore_project_id, verify_tls, http_timeout_secs, task_timeout_secs,
                     poll_interval_secs, inventory, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
                params![
                    row.tenant_id,
                    row.name,
                    row.kind.as_str(),
                    row.base_url,
                    row.semaphore_project_id,
                    row.verify_tls,
                    row.http_timeout_secs,
                    row.task_timeout_secs,
                    row.poll_interval_secs,
                    row.inventory,
                    t
                ],
            )
            .map_err(conflict_on_unique(duplicate(row)))?;
            let id = tx.last_insert_rowid();
            write_secrets(tx, id, token, vault)?;
            audit::insert(tx, audit.target("automation_target", id))?;
            find_target(tx, Viewer::All, id)?
                .map(|r| r.target)
                .ok_or_else(|| CoreError::Internal("inserted automation target vanished".into()))
        })
    }

    fn update_automation_target(
        &self,
        id: i64,
        row: &TargetRow,
        token: TokenWrite<'_>,
        vault: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<AutomationTarget> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE automation_targets SET name = ?2, base_url = ?3,
                         semaphore_project_id = ?4, verify_tls = ?5, http_timeout_secs = ?6,
                         task_timeout_secs = ?7, poll_interval_secs = ?8, inventory = ?9,
                         updated_at = ?10
                     WHERE id = ?1",
                    params![
                        id,
                        row.name,
                        row.base_url,
                        row.semaphore_project_id,
                        row.verify_tls,
                        row.http_timeout_secs,
                        row.task_timeout_secs,
                        row.poll_interval_secs,
                        row.inventory,
                        Ts(now())
                    ],
                )
                .map_err(conflict_on_unique(duplicate(row)))?;
            if n == 0 {
                return Err(CoreError::not_found(format!("automation target {id}")));
            }
            write_secrets(tx, id, token, vault)?;
            audit::insert(tx, audit)?;
            find_target(tx, Viewer::All, id)?
                .map(|r| r.target)
                .ok_or_else(|| CoreError::Internal("updated automation target vanished".into()))
        })
    }

    fn delete_automation_target(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute("DELETE FROM automation_targets WHERE id = ?1", [id])
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("automation target {id}")));
            }
            audit::insert(tx, audit)
        })
    }

    fn insert_automation_run(&self, r: &NewRun, audit: NewAudit) -> CoreResult<AutomationRun> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO automation_runs (target_id, tenant_id, project_id, session_id,
                     issue_id, requested_by, template_id, semaphore_project_id, playbook,
                     inventory, options, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    r.target_id,
                    r.tenant_id,
                    r.project_id,
                    r.session_id,
                    r.issue_id,
                    r.requested_by,
                    r.template_id,
                    r.semaphore_project_id,
                    r.playbook,
                    r.inventory,
                    r.options.to_string(),
                    Ts(now())
                ],
            )
            .map_err(internal)?;
            let id = tx.last_insert_rowid();
            audit::insert(tx, audit.target("automation_run", id))?;
            find_run(tx, Viewer::All, id)?
                .ok_or_else(|| CoreError::Internal("inserted automation run vanished".into()))
        })
    }

    fn set_automation_run_job(&self, id: i64, job_id: i64) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE automation_runs SET job_id = ?2 WHERE id = ?1",
                [id, job_id],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn note_automation_run(
        &self,
        id: i64,
        remote_task_id: Option<i64>,
        exit_code: Option<i32>,
    ) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE automation_runs SET remote_task_id = COALESCE(?2, remote_task_id),
                     exit_code = COALESCE(?3, exit_code) WHERE id = ?1",
                params![id, remote_task_id, exit_code],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn automation_run(&self, viewer: Viewer, id: i64) -> CoreResult<Option<AutomationRun>> {
        self.read(|c| find_run(c, viewer, id))
    }

    fn list_automation_runs(
        &self,
        viewer: Viewer,
        filter: &RunFilter,
        page: PageQuery,
    ) -> CoreResult<Vec<AutomationRun>> {
        let mut conds = Vec::new();
        let mut args = Vec::new();
        if let Some(after) = page.after {
            conds.push("r.id < ?".to_owned());
            args.push(Value::Integer(after));
        }
        if let Some(uid) = viewer.member_id() {
            conds.push(VISIBLE.to_owned());
            args.push(Value::Integer(uid));
        }
        for (col, v) in [
            ("r.target_id", filter.target_id),
            ("r.project_id", filter.project_id),
            ("r.session_id", filter.session_id),
            ("r.issue_id", filter.issue_id),
        ] {
            if let Some(v) = v {
                conds.push(format!("{col} = ?"));
                args.push(Value::Integer(v));
            }
        }
        args.push(Value::Integer(page.fetch()));
        let sql = format!(
            "{RUN_SELECT} {} {} ORDER BY r.id DESC LIMIT ?",
            if conds.is_empty() { "" } else { "WHERE" },
            conds.join(" AND ")
        );
        self.read(|c| {
            let mut st = c.prepare_cached(&sql).map_err(internal)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args), run)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }
}
