//! Fake jira API (being written).
