//! A fixed set of read-only connections handed out one per blocking call.
//!
//! Small on purpose: connections are created once at open, never re-opened, and a caller
//! waits (on a condvar) only when every reader is busy.

use std::ops::Deref;
use std::sync::{Condvar, Mutex, PoisonError};

use rusqlite::Connection;

pub(crate) struct ReaderPool {
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
}

pub(crate) struct Pooled<'a> {
    pool: &'a ReaderPool,
    conn: Option<Connection>,
}

impl ReaderPool {
    pub(crate) fn new(conns: Vec<Connection>) -> Self {
        Self {
            idle: Mutex::new(conns),
            returned: Condvar::new(),
        }
    }

    pub(crate) fn get(&self) -> Pooled<'_> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(conn) = idle.pop() {
                return Pooled {
                    pool: self,
                    conn: Some(conn),
                };
            }
            idle = self
                .returned
                .wait(idle)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Deref for Pooled<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until drop")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
            self.pool.returned.notify_one();
        }
    }
}
