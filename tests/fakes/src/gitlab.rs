//! Fake gitlab API (being written).
