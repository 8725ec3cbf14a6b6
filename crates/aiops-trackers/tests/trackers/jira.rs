//! jira provider against the fake (being written).
