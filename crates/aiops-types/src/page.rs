//! Keyset pagination shared by every list route.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Default page size of every list route (when `limit` is absent).
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
/// Maximum page size of every list route (the largest `limit` accepted).
pub const MAX_PAGE_LIMIT: u32 = 500;

/// Query parameters of every list route: `?limit=50&cursor=…`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Rows per page, 1..=500 (default 50).
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// One page of a list. `next_cursor` is absent on the last page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The rows of this page, in the route's order.
    pub items: Vec<T>,
    /// Pass as `cursor` to fetch the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
