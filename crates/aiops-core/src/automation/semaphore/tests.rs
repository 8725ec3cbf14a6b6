use std::cell::{Cell, RefCell};

use super::*;

/// A task that goes through `statuses` one poll at a time, with one more output line
/// per poll.
struct Script {
    statuses: Vec<&'static str>,
    polls: Cell<usize>,
    stopped: Cell<bool>,
}

impl Script {
    fn new(statuses: &[&'static str]) -> Self {
        Self {
            statuses: statuses.to_vec(),
            polls: Cell::new(0),
            stopped: Cell::new(false),
        }
    }
}

impl Semaphore for Script {
    fn project_name(&self, _: i64) -> CoreResult<String> {
        Ok("p".into())
    }
    fn templates(&self, _: i64) -> CoreResult<Vec<AutomationTemplate>> {
        Ok(vec![AutomationTemplate {
            id: 3,
            name: "deploy".into(),
            playbook: "site.yml".into(),
            description: None,
            allow_override_args: true,
        }])
    }
    fn start_task(&self, _: i64, _: &NewTask) -> CoreResult<i64> {
        Ok(7)
    }
    fn task_status(&self, _: i64, _: i64) -> CoreResult<String> {
        let n = self.polls.get();
        self.polls.set(n + 1);
        if self.stopped.get() {
            return Ok("stopped".into());
        }
        Ok(self.statuses[n.min(self.statuses.len() - 1)].into())
    }
    fn task_output(&self, _: i64, _: i64) -> CoreResult<Vec<String>> {
        Ok((1..=self.polls.get())
            .map(|i| format!("line {i}"))
            .collect())
    }
    fn stop_task(&self, _: i64, _: i64) -> CoreResult<()> {
        self.stopped.set(true);
        Ok(())
    }
}

#[derive(Default)]
struct Lines {
    out: RefCell<Vec<String>>,
    cancel_after: Option<usize>,
}

impl JobContext for Lines {
    fn line(&self, text: &str) {
        self.out.borrow_mut().push(text.to_owned());
    }
    fn cancelled(&self) -> bool {
        self.cancel_after
            .is_some_and(|n| self.out.borrow().len() >= n)
    }
}

const FAST: Follow = Follow {
    poll: Duration::ZERO,
    timeout: Duration::from_secs(60),
};

#[test]
fn a_task_is_followed_to_success_with_each_line_once() {
    let api = Script::new(&["waiting", "running", "running", "success"]);
    let ctx = Lines::default();
    follow(&api, &ctx, 1, 7, FAST).unwrap();
    assert_eq!(*ctx.out.borrow(), ["line 1", "line 2", "line 3", "line 4"]);
}

#[test]
fn a_failed_task_reports_its_output_and_an_error() {
    let api = Script::new(&["running", "error"]);
    let ctx = Lines::default();
    let err = follow(&api, &ctx, 1, 7, FAST).unwrap_err();
    assert_eq!(err, "Semaphore task 7 failed");
    assert_eq!(ctx.out.borrow().len(), 2);
}

#[test]
fn a_timeout_stops_the_task_at_semaphore() {
    let api = Script::new(&["running"]);
    let ctx = Lines::default();
    let how = Follow {
        poll: Duration::ZERO,
        timeout: Duration::ZERO,
    };
    let err = follow(&api, &ctx, 1, 7, how).unwrap_err();
    assert!(err.starts_with("timed out after 0 s"), "{err}");
    assert!(api.stopped.get());
}

#[test]
fn a_cancel_stops_the_task_at_semaphore() {
    let api = Script::new(&["running"]);
    let ctx = Lines {
        cancel_after: Some(2),
        ..Lines::default()
    };
    assert_eq!(follow(&api, &ctx, 1, 7, FAST).unwrap_err(), "cancelled");
    assert!(api.stopped.get());
    assert!(
        ctx.out
            .borrow()
            .iter()
            .any(|l| l.contains("asked Semaphore to stop"))
    );
}

#[test]
fn the_task_body_carries_every_override() {
    let mut vars = serde_json::Map::new();
    vars.insert("version".into(), "1.2".into());
    let task = NewTask {
        template_id: 3,
        overrides: Overrides {
            extra_vars: Some(vars),
            limit: Some("web1".into()),
            tags: Some("deploy".into()),
            skip_tags: Some("slow".into()),
            check: true,
            diff: true,
        },
        message: "aiops run 1".into(),
    };
    assert_eq!(
        task.body(),
        serde_json::json!({
            "template_id": 3, "debug": false, "dry_run": true, "diff": true,
            "message": "aiops run 1", "environment": "{\"version\":\"1.2\"}",
            "limit": "web1",
            "arguments": "[\"--tags\",\"deploy\",\"--skip-tags\",\"slow\"]",
        })
    );
    assert!(require_template(&Script::new(&["success"]), 1, 4).is_err());
}
