//! Fake github API (being written).
