//! gitlab provider against the fake (being written).
