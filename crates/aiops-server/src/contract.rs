//! The statuses every operation shares, added over the generated OpenAPI document in one
//! place instead of in each `#[utoipa::path]`: the auth extractor's 401/403 on every
//! operation with a security requirement, the extractors' 400 (bad JSON, a body that is
//! not an object, a bad path or query value), 404 for path ids, 413 for bodies over the
//! limit; a `description` on every response (OpenAPI 3 requires one; utoipa leaves it
//! empty when a `responses(…)` entry names none); and machine-readable bounds taken from
//! the constants validation uses (utoipa's `minimum`/`maxLength` attributes take only
//! literals, which would drift from them).

use aiops_core::git::{MAX_COMMIT_FILES, MAX_COMMIT_MESSAGE, changes};
use aiops_core::issues::MAX_TITLE_CHARS;
use aiops_core::jobs::MAX_WAIT_SECS;
use aiops_core::mcp::MAX_ENV;
use aiops_core::page::CURSOR_PATTERN;
use aiops_core::secrets::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
use aiops_core::ssh::{MAX_KEY_BYTES, MAX_KEY_NAME_CHARS};
use aiops_core::validate::{MAX_ARGS, MAX_NAME_LEN};
use aiops_types::MAX_PAGE_LIMIT;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::ArrayItems;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response, Schema};
use utoipa::{Modify, Number};

/// `(schema, property, minLength, maxLength)`: string fields whose length core checks
/// (`validate::name`, the issue title, `secrets::check_password_policy`), in characters
/// like JSON Schema counts them. Where core counts bytes (a password's or key's upper
/// bound, a commit message) the maxLength is never tighter than the server: a character
/// is at least one byte.
const STRING_BOUNDS: &[(&str, &str, usize, usize)] = &[
    ("CreateTenant", "name", 1, MAX_NAME_LEN),
    ("UpdateTenant", "name", 1, MAX_NAME_LEN),
    ("CreateProject", "name", 1, MAX_NAME_LEN),
    ("UpdateProject", "name", 1, MAX_NAME_LEN),
    ("CreateIntegration", "name", 1, MAX_NAME_LEN),
    ("UpdateIntegration", "name", 1, MAX_NAME_LEN),
    ("CreateApiKey", "name", 1, MAX_NAME_LEN),
    ("UpdateUser", "name", 1, MAX_NAME_LEN),
    ("CreateUser", "password", MIN_PASSWORD_LEN, MAX_PASSWORD_LEN),
    (
        "SetupRequest",
        "password",
        MIN_PASSWORD_LEN,
        MAX_PASSWORD_LEN,
    ),
    (
        "ChangePassword",
        "new_password",
        MIN_PASSWORD_LEN,
        MAX_PASSWORD_LEN,
    ),
    ("AddSshKey", "private_key", 0, MAX_KEY_BYTES),
    ("GitCommit", "message", 1, MAX_COMMIT_MESSAGE),
    ("CreateIssue", "title", 1, MAX_TITLE_CHARS),
    ("UpdateIssue", "title", 1, MAX_TITLE_CHARS),
];

/// `(schema, property, may be blank, most characters)`: text core trims, then refuses when
/// blank (unless it may be) or longer, or when it holds a control character. A maxLength
/// would count the whitespace trimmed away, so the bound is in the pattern instead.
const TRIMMED_TEXT: &[(&str, &str, bool, usize)] = &[
    ("CreateUser", "name", true, MAX_NAME_LEN),
    ("SetupRequest", "name", true, MAX_NAME_LEN),
    ("AddSshKey", "name", false, MAX_KEY_NAME_CHARS),
];

/// The pattern of [`TRIMMED_TEXT`]: any whitespace around 1..=`most` characters without
/// control characters that start and end with no whitespace (or nothing, when `blank`).
pub(crate) fn trimmed_text_pattern(blank: bool, most: usize) -> String {
    const CONTROL: &str = r"\x00-\x1f\x7f-\x9f";
    let inner = format!(
        r"[^\s{CONTROL}]([^{CONTROL}]{{0,{}}}[^\s{CONTROL}])?",
        most.saturating_sub(2)
    );
    let inner = if blank { format!("({inner})?") } else { inner };
    format!(r"^\s*{inner}\s*$")
}

/// `(schema, property, most)`: the most items of an array (`validate::argv`, the paths
/// of a commit or of `git stage`) or the most properties of a map (an MCP server's env).
const COUNT_BOUNDS: &[(&str, &str, usize)] = &[
    ("CreateMcpServer", "command", MAX_ARGS),
    ("CreateMcpServer", "env", MAX_ENV),
    ("PutTool", "args", MAX_ARGS),
    ("PutTool", "yolo_args", MAX_ARGS),
    ("GitCommit", "files", MAX_COMMIT_FILES),
    ("StagePaths", "paths", changes::MAX_FILES),
];

/// A path of `git stage`/`unstage` (core's `git::changes`): not blank, not absolute, no
/// `..` component, no NUL; surrounding whitespace is trimmed.
const STAGE_PATH: &str = r"^\s*(\.|[^/\x00.][^/\x00]*|\.[^/\x00.][^/\x00]*|\.\.[^/\x00]+)(/(\.?|[^/\x00.][^/\x00]*|\.[^/\x00.][^/\x00]*|\.\.[^/\x00]+))*$";
/// A file of `git commit` (core's `git::commit`): not blank, no NUL.
const NOT_BLANK: &str = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$";

/// A project named as `ProjectRef::parse` reads it (`12`, `web`, `acme/web`): not blank, at
/// most one `/` with something on both sides.
const PROJECT_REF: &str = r"^[^/]*[^/\t\n\x0b\x0c\r ][^/]*(/[^/]*[^/\t\n\x0b\x0c\r ][^/]*)?$";

/// `(schema, property, pattern)` of string properties core always parses.
const STRING_PATTERNS: &[(&str, &str, &str)] = &[("CreateMcpServer", "project", PROJECT_REF)];

/// `(operationId, parameter, pattern)` of query parameters core always parses.
const QUERY_PATTERNS: &[(&str, &str, &str)] = &[("list_servers", "project", PROJECT_REF)];

/// An environment variable name a tool or an MCP server may get (`tools::put`,
/// `mcp::env_name`): a letter or `_`, then letters, digits and `_`. The names those
/// refuse besides (`AIOPS_…`, `PATH`, …) still match: the pattern is never tighter.
const ENV_NAME: &str = r"^[A-Za-z_][A-Za-z0-9_]*$";

/// `(schema, property, pattern)`: the pattern every key of a map matches.
const KEY_PATTERNS: &[(&str, &str, &str)] = &[
    ("PutTool", "env", ENV_NAME),
    ("CreateMcpServer", "env", ENV_NAME),
];

/// `(schema, property, pattern)`: the pattern every item of a string array matches.
const ITEM_PATTERNS: &[(&str, &str, &str)] = &[
    ("StagePaths", "paths", STAGE_PATH),
    ("GitCommit", "files", NOT_BLANK),
];

pub(crate) struct Contract;

impl Modify for Contract {
    fn modify(&self, doc: &mut OpenApi) {
        string_bounds(doc);
        count_bounds(doc);
        for &(schema, name, pattern) in STRING_PATTERNS {
            let Schema::Object(field) = property(doc, schema, name) else {
                panic!("OpenAPI bounds: {schema}.{name} is no string");
            };
            field.pattern = Some(pattern.to_owned());
        }
        for &(schema, name, blank, most) in TRIMMED_TEXT {
            let Schema::Object(field) = property(doc, schema, name) else {
                panic!("OpenAPI bounds: {schema}.{name} is no string");
            };
            field.pattern = Some(trimmed_text_pattern(blank, most));
        }
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
/// A `cursor` gets [`CURSOR_PATTERN`].
const QUERY_BOUNDS: &[(&str, usize, usize)] = &[
    ("limit", 1, MAX_PAGE_LIMIT as usize),
    ("wait", 0, MAX_WAIT_SECS as usize),
];

fn query_bounds(op: &mut Operation) {
    let id = op.operation_id.clone().unwrap_or_default();
    for p in op.parameters.iter_mut().flatten() {
        let RefOr::T(p) = p else { continue };
        if let Some(&(_, _, pattern)) = QUERY_PATTERNS
            .iter()
            .find(|(op, name, _)| *op == id && *name == p.name)
            && let Some(RefOr::T(Schema::Object(schema))) = &mut p.schema
        {
            schema.pattern = Some(pattern.to_owned());
            continue;
        }
        // Every list route's `cursor` goes through `PageQuery::parse`.
        if p.name == "cursor"
            && p.parameter_in == ParameterIn::Query
            && let Some(RefOr::T(Schema::Object(schema))) = &mut p.schema
        {
            schema.pattern = Some(CURSOR_PATTERN.to_owned());
            continue;
        }
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

/// The property `schema.property` of the document's components; panics when it is gone,
/// so a renamed type or field never silently drops its bounds.
fn property<'a>(doc: &'a mut OpenApi, schema: &str, property: &str) -> &'a mut Schema {
    let field = match doc
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut(schema))
    {
        Some(RefOr::T(Schema::Object(o))) => o.properties.get_mut(property),
        _ => None,
    };
    match field {
        Some(RefOr::T(field)) => field,
        _ => panic!("OpenAPI bounds: no property {schema}.{property}"),
    }
}

fn count_bounds(doc: &mut OpenApi) {
    for &(schema, name, most) in COUNT_BOUNDS {
        match property(doc, schema, name) {
            Schema::Array(a) => a.max_items = Some(most),
            Schema::Object(o) => o.max_properties = Some(most),
            _ => panic!("OpenAPI bounds: {schema}.{name} is no array or map"),
        }
    }
    for &(schema, name, pattern) in KEY_PATTERNS {
        let Schema::Object(map) = property(doc, schema, name) else {
            panic!("OpenAPI bounds: {schema}.{name} is no map");
        };
        let Some(Schema::Object(keys)) = map.property_names.as_deref_mut() else {
            panic!("OpenAPI bounds: {schema}.{name} has no propertyNames");
        };
        keys.pattern = Some(pattern.to_owned());
    }
    for &(schema, name, pattern) in ITEM_PATTERNS {
        let Schema::Array(a) = property(doc, schema, name) else {
            panic!("OpenAPI bounds: {schema}.{name} is no array");
        };
        let ArrayItems::RefOrSchema(items) = &mut a.items else {
            panic!("OpenAPI bounds: {schema}.{name} has no item schema");
        };
        let RefOr::T(Schema::Object(item)) = items.as_mut() else {
            panic!("OpenAPI bounds: {schema}.{name}'s items are no strings");
        };
        item.pattern = Some(pattern.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(text)
    }

    /// The patterns allow everything core accepts (a stricter schema would make a valid
    /// request "schema-violating") and refuse what it refuses where JSON Schema can say so.
    #[test]
    fn patterns_agree_with_core() {
        let name = trimmed_text_pattern(true, MAX_NAME_LEN);
        let longest = "x".repeat(MAX_NAME_LEN);
        for ok in ["", "   ", "Ada", " Ada Lovelace\t", "a", longest.as_str()] {
            assert!(matches(&name, ok), "{ok:?}");
            if !ok.trim().is_empty() {
                assert!(aiops_core::validate::name("name", ok).is_ok(), "{ok:?}");
            }
        }
        let padded = format!("  {longest}  ");
        assert!(matches(&name, &padded), "whitespace around is trimmed");
        for bad in [
            format!("{longest}x"),
            "a\u{7}b".to_owned(),
            "a\nb".to_owned(),
        ] {
            assert!(!matches(&name, &bad), "{bad:?}");
            assert!(aiops_core::validate::name("name", &bad).is_err(), "{bad:?}");
        }
        let key = trimmed_text_pattern(false, MAX_KEY_NAME_CHARS);
        assert!(!matches(&key, "  ") && matches(&key, " laptop "));

        for ok in ["src/lib.rs", "a//b/", "./a", ".env", "...", "..a/b", " a "] {
            assert!(matches(STAGE_PATH, ok), "{ok:?}");
        }
        for bad in ["", "/etc/passwd", "..", "a/../b", "a/..", "a\0b"] {
            assert!(!matches(STAGE_PATH, bad), "{bad:?}");
        }
        for text in [
            "12",
            "web",
            " acme/web ",
            "acme / web",
            "\u{1c}",
            "a b",
            "",
            " ",
            "/",
            "a/",
            "/b",
            " /b",
            "a/b/c",
            "a/ ",
            "\t",
        ] {
            let parsed = aiops_types::ProjectRef::parse(text).is_ok();
            assert_eq!(matches(PROJECT_REF, text), parsed, "{text:?}");
        }
        // Unicode spaces are trimmed too; the pattern allows them (never tighter).
        assert!(matches(PROJECT_REF, "\u{3000}"));
        for ok in ["A", "_x", "MY_AGENT_THEME", "AIOPS_X"] {
            assert!(matches(ENV_NAME, ok), "{ok:?}");
        }
        for bad in ["", "1A", "A-B", "A B"] {
            assert!(!matches(ENV_NAME, bad), "{bad:?}");
        }
        for ok in ["m", " fix\n", "\u{1c}"] {
            assert!(matches(NOT_BLANK, ok), "{ok:?}");
        }
        for bad in ["", " \t\n", "a\0"] {
            assert!(!matches(NOT_BLANK, bad), "{bad:?}");
        }
    }
}
