//! The one place errors become HTTP responses: `{"error": {"code", "message"}}` with the
//! status of the stable code. Internal details are logged (redacted), never sent.

use aiops_core::CoreError;
use aiops_types::{ErrorBody, ErrorCode, ErrorDetail};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    pub retry_after_secs: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            retry_after_secs: None,
        }
    }

    pub fn internal(context: &str, detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %aiops_core::redact::redact(&detail.to_string()), "{context}");
        Self::new(
            ErrorCode::Internal,
            "internal error; the server log has the details",
        )
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Internal(detail) => ApiError::internal("request failed", detail),
            CoreError::Invalid { field, message } => ApiError {
                field: field.map(str::to_owned),
                ..ApiError::new(ErrorCode::InvalidInput, message)
            },
            CoreError::RateLimited { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(ErrorCode::RateLimited, e.to_string())
            },
            other => ApiError::new(other.code(), other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                field: self.field,
            },
        };
        let mut resp = (status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// Maps an extractor rejection (bad JSON, bad path, bad query, body too large) to our
/// envelope; axum's own rejections are plain text.
pub fn from_rejection(status: StatusCode, text: String) -> ApiError {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
        | StatusCode::BAD_REQUEST
        | StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::InvalidInput,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        _ if status.is_server_error() => return ApiError::internal("extractor failed", text),
        _ => ErrorCode::InvalidInput,
    };
    ApiError::new(code, text)
}

macro_rules! rejection {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(r: $t) -> Self {
                from_rejection(r.status(), r.body_text())
            }
        }
    )*};
}
rejection!(
    axum::extract::rejection::JsonRejection,
    axum::extract::rejection::PathRejection,
    axum::extract::rejection::QueryRejection
);

/// A JSON object body whose rejection is our envelope. Unlike `axum::Json` it refuses
/// any body that is not a JSON object (serde would fill a struct from an array by
/// position: `["title"]` would set the first field).
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "expected a request body with `Content-Type: application/json`",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| from_rejection(r.status(), r.body_text()))?;
        json_object(&bytes).map(ApiJson)
    }
}

/// Parses `bytes` as a JSON object into `T`; any other JSON value is a 400 saying so.
pub fn json_object<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the request body must be a JSON object (`{…}`)",
        ));
    }
    let Json(value) = Json::<T>::from_bytes(bytes)?;
    Ok(value)
}

/// `application/json` or any `application/…+json`, parameters ignored.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `Path<T>` whose rejection is our envelope.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query<T>` whose rejection is our envelope.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
