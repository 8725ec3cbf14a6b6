//! `/projects`: repositories inside tenants, visible to tenant and project members.

use aiops_core::page::PageQuery;
use aiops_core::projects;
use aiops_types::{
    CreateProject, ErrorBody, Member, Page, PageParams, Project, ProjectListParams, RepoCheck,
    UpdateProject,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project, delete_project))
        .routes(routes!(check_repo))
        .routes(routes!(list_members))
        .routes(routes!(add_member, remove_member))
}

#[utoipa::path(get, path = "/projects", tag = "projects", params(ProjectListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<Project>), (status = 404, body = ErrorBody)))]
async fn list_projects(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<ProjectListParams>,
) -> ApiResult<Json<Page<Project>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| projects::list(db, &a.principal, &q, page))
            .await?,
    ))
}

/// Creates a project in a tenant the caller belongs to. A local-path `repo_url` needs an
/// admin; a non-admin's `repo_url` may not resolve to an internal address (unless in
/// `repo_url_allow`). 400 on an unknown tenant or such a URL, 409 on a slug taken in the
/// tenant.
#[utoipa::path(post, path = "/projects", tag = "projects", request_body = CreateProject,
    security(("api_key" = ["write"])),
    responses((status = 201, body = Project), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_project(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateProject>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    let me = st.clone();
    let p = st
        .run(move |db| projects::create(db, &a.principal, &req, &me.repo_hosts()))
        .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// 404 also when the caller may not see the project.
#[utoipa::path(get, path = "/projects/{id}", tag = "projects", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Project), (status = 404, body = ErrorBody)))]
async fn get_project(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Project>> {
    Ok(Json(
        st.run(move |db| projects::get(db, &a.principal, id))
            .await?,
    ))
}

/// Changes a project. The repository URL and setup files: server or tenant admins (403
/// otherwise); the setup command: server admins. A changed `repo_url` is judged like a
/// new one (400).
#[utoipa::path(patch, path = "/projects/{id}", tag = "projects", params(("id" = i64, Path)), request_body = UpdateProject,
    security(("api_key" = ["write"])),
    responses((status = 200, body = Project), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_project(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateProject>,
) -> ApiResult<Json<Project>> {
    let me = st.clone();
    Ok(Json(
        st.run(move |db| projects::update(db, &a.principal, id, &req, &me.repo_hosts()))
            .await?,
    ))
}

/// Deletes a project: server or tenant admins; 403 for members. A project with agent
/// sessions on record is a 409: their history is kept (see the message).
#[utoipa::path(delete, path = "/projects/{id}", tag = "projects", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The project has agent sessions on record (kept as its history); the message says what to do", body = ErrorBody)))]
async fn delete_project(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.run(move |db| projects::delete(db, &a.principal, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, operation_id = "list_project_members", path = "/projects/{id}/members", tag = "projects", params(("id" = i64, Path), PageParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<Member>), (status = 404, body = ErrorBody)))]
async fn list_members(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<Member>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| projects::members(db, &a.principal, id, page))
            .await?,
    ))
}

/// Gives a user access to this one project (idempotent).
#[utoipa::path(put, operation_id = "add_project_member", path = "/projects/{id}/members/{user_id}", tag = "projects",
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Member), (status = 404, body = ErrorBody)))]
async fn add_member(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath((id, user_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        st.run(move |db| projects::add_member(db, &a.principal, id, user_id))
            .await?,
    ))
}

#[utoipa::path(delete, operation_id = "remove_project_member", path = "/projects/{id}/members/{user_id}", tag = "projects",
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_member(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath((id, user_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    st.run(move |db| projects::remove_member(db, &a.principal, id, user_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the project's repository as the caller reaches it (their ssh key, the deploy
/// key, or https): it answers and holds the default branch. `ok: false` comes with one
/// sentence saying what is wrong and what to do. Bounded to 30 s.
#[utoipa::path(post, path = "/projects/{id}/check-repo", tag = "projects", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = RepoCheck), (status = 404, body = ErrorBody)))]
async fn check_repo(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RepoCheck>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| {
            aiops_core::repo_check::check(db, host, &a.principal, id)
        })
        .await?,
    ))
}
