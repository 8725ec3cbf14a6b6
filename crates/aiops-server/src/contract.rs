//! The statuses every operation shares, added over the generated OpenAPI document in one
//! place instead of in each `#[utoipa::path]`: the auth extractor's 401/403 on every
//! operation with a security requirement, the extractors' 400 (bad JSON, a body that is
//! not an object, a bad path or query value), 404 for path ids, 413 for bodies over the
//! limit; a `description` on every response (OpenAPI 3 requires one; utoipa leaves it
//! empty when a `responses(…)` entry names none); and machine-readable bounds taken from
//! the constants validation uses (utoipa's `minimum`/`maxLength` attributes take only
//! literals, which would drift from them).

use aiops_core::issues::MAX_TITLE_CHARS;
use aiops_core::jobs::MAX_WAIT_SECS;
use aiops_core::validate::MAX_NAME_LEN;
use aiops_types::MAX_PAGE_LIMIT;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response, Schema};
use utoipa::{Modify, Number};

/// `(schema, property, minLength, maxLength)`: string fields whose length core checks
/// (`validate::name`, the issue title), in characters like JSON Schema counts them.
const STRING_BOUNDS: &[(&str, &str, usize, usize)] = &[
    ("CreateTenant", "name", 1, MAX_NAME_LEN),
    ("UpdateTenant", "name", 1, MAX_NAME_LEN),
    ("CreateProject", "name", 1, MAX_NAME_LEN),
    ("UpdateProject", "name", 1, MAX_NAME_LEN),
    ("CreateIntegration", "name", 1, MAX_NAME_LEN),
    ("UpdateIntegration", "name", 1, MAX_NAME_LEN),
    ("CreateApiKey", "name", 1, MAX_NAME_LEN),
    ("UpdateUser", "name", 1, MAX_NAME_LEN),
    ("CreateUser", "name", 0, MAX_NAME_LEN),
    ("CreateIssue", "title", 1, MAX_TITLE_CHARS),
    ("UpdateIssue", "title", 1, MAX_TITLE_CHARS),
];

pub(crate) struct Contract;

impl Modify for Contract {
    fn modify(&self, doc: &mut OpenApi) {
        string_bounds(doc);
        for item in doc.paths.paths.values_mut() {
            for op in operations(item) {
                shared_statuses(op);
                query_bounds(op);
                for (status, response) in &mut op.responses.responses {
                    if let RefOr::T(r) = response
                        && r.description.trim().is_empty()
                    {
                        r.description = default_description(status).to_owned();
                    }
                }
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// Whether the operation names a credential (`security(())` is "none needed").
fn authenticated(op: &Operation) -> bool {
    op.security.iter().flatten().any(|req| {
        serde_json::to_value(req).is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
    })
}

fn shared_statuses(op: &mut Operation) {
    let params = op.parameters.iter().flatten();
    let (mut in_path, mut in_query) = (false, false);
    for p in params {
        let RefOr::T(p) = p else { continue };
        match p.parameter_in {
            ParameterIn::Path => in_path = true,
            ParameterIn::Query => in_query = true,
            _ => {}
        }
    }
    let has_body = op.request_body.is_some();
    let secured = authenticated(op);
    let mut add = |status: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| {
                RefOr::T(
                    Response::builder()
                        .description(default_description(status))
                        .content(
                            "application/json",
                            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                        )
                        .build(),
                )
            });
    };
    if has_body || in_path || in_query {
        add("400");
    }
    if secured {
        add("401");
        add("403");
    }
    if in_path {
        add("404");
    }
    if has_body {
        add("413");
    }
}

/// What a status means in this API, for responses that say nothing more.
fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted: the work goes on in the background",
        "204" => "Done; no body",
        "400" => {
            "Invalid input: malformed JSON, a body that is not a JSON object, or a value \
                  out of bounds (`error.field` names it when one field is at fault)"
        }
        "401" => "No credential, or an unknown, expired or revoked one",
        "403" => {
            "The credential lacks the scope or role this needs, the resource is outside \
                  its reach, or a cookie-authenticated write lacks `X-CSRF-Token`"
        }
        "404" => "No such resource, or one the caller may not see",
        "409" => "Conflicts with the current state (`error.message` says what to do)",
        "413" => "The request body is larger than the server accepts (1 MiB)",
        "429" => "Too many attempts; retry after the `Retry-After` header's seconds",
        "500" => "Internal error; the server log has the details",
        "502" => "The upstream tracker or git host failed",
        "503" => "Unavailable right now",
        _ => "See the operation's description",
    }
}

/// `(name, minimum, maximum)` of query parameters, wherever they appear: every list
/// route's `limit` (`PageQuery::parse`) and a job's long-poll `wait` (`jobs::wait_secs`).
const QUERY_BOUNDS: &[(&str, usize, usize)] = &[
    ("limit", 1, MAX_PAGE_LIMIT as usize),
    ("wait", 0, MAX_WAIT_SECS as usize),
];

fn query_bounds(op: &mut Operation) {
    for p in op.parameters.iter_mut().flatten() {
        let RefOr::T(p) = p else { continue };
        let Some(&(_, min, max)) = QUERY_BOUNDS.iter().find(|(name, ..)| *name == p.name) else {
            continue;
        };
        if p.parameter_in == ParameterIn::Query
            && let Some(RefOr::T(Schema::Object(schema))) = &mut p.schema
        {
            schema.minimum = Some(Number::UInt(min));
            schema.maximum = Some(Number::UInt(max));
        }
    }
}

fn string_bounds(doc: &mut OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for &(schema, property, min, max) in STRING_BOUNDS {
        let field = match components.schemas.get_mut(schema) {
            Some(RefOr::T(Schema::Object(o))) => o.properties.get_mut(property),
            _ => None,
        };
        // A renamed type or field must not silently drop its bounds.
        let Some(RefOr::T(Schema::Object(field))) = field else {
            panic!("OpenAPI bounds: no string property {schema}.{property}");
        };
        field.min_length = (min > 0).then_some(min);
        field.max_length = Some(max);
    }
}
