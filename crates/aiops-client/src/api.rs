//! One typed method per route of `/api/v1`. Each is a path, a method and the wire types;
//! the plumbing lives in `client.rs`.

use aiops_types::{
    ApiKey, AssignIssue, AuditEntry, AuditListParams, ChangePassword, Comment, CommentBody,
    CreateApiKey, CreateIssue, CreateProject, CreateTenant, CreateUser, CreatedApiKey, Health,
    Issue, IssueListParams, KeyListParams, LoginRequest, Me, Member, Page, PageParams, Preferences,
    Project, ProjectListParams, PutTenantMember, SessionInfo, Status, Tenant, TenantRole,
    UpdateIssue, UpdateProject, UpdateTenant, UpdateUser, User,
};
use reqwest::Method;

use crate::client::session_cookie;
use crate::{Client, ClientError, Secret, SessionCookie};

/// Routes without a query string still go through `get`, with this empty one.
const NO_QUERY: &[(&str, &str)] = &[];
/// Routes answering 204 that take no body.
const NO_BODY: Option<&()> = None;

type Result<T> = std::result::Result<T, ClientError>;

/// Authentication: sessions and API keys.
impl Client {
    /// `POST /auth/login`: the session and the `aiops_session` cookie it set. Build a
    /// session client with `cookie.into_credential(info.csrf_token)`.
    pub async fn login(
        &self,
        email: &str,
        password: &Secret,
    ) -> Result<(SessionInfo, SessionCookie)> {
        let body = LoginRequest {
            email: email.to_owned(),
            password: password.clone(),
        };
        let resp = self
            .send_json(Method::POST, &["auth", "login"], &body)
            .await?;
        let cookie = session_cookie(resp.headers()).ok_or_else(|| {
            ClientError::Decode(format!(
                "{} answered the login without an aiops_session cookie",
                self.base_url()
            ))
        })?;
        Ok((self.json(resp).await?, cookie))
    }

    /// `POST /auth/logout`: ends the session this client's cookie names.
    pub async fn logout(&self) -> Result<()> {
        self.no_content(Method::POST, &["auth", "logout"], NO_BODY)
            .await
    }

    /// `GET /auth/me`: who this credential is, and what it may do.
    pub async fn me(&self) -> Result<Me> {
        self.get(&["auth", "me"], NO_QUERY).await
    }

    /// `GET /auth/me/preferences`
    pub async fn preferences(&self) -> Result<Preferences> {
        self.get(&["auth", "me", "preferences"], NO_QUERY).await
    }

    /// `PUT /auth/me/preferences`
    pub async fn set_preferences(&self, prefs: &Preferences) -> Result<Preferences> {
        self.with_body(Method::PUT, &["auth", "me", "preferences"], prefs)
            .await
    }

    /// `GET /auth/keys`: the caller's keys (`all: Some(true)`: everyone's, admins only).
    pub async fn list_keys(&self, params: &KeyListParams) -> Result<Page<ApiKey>> {
        self.get(&["auth", "keys"], params).await
    }

    /// `POST /auth/keys`: the only answer that ever carries the key's secret.
    pub async fn create_key(&self, req: &CreateApiKey) -> Result<CreatedApiKey> {
        self.with_body(Method::POST, &["auth", "keys"], req).await
    }

    /// `DELETE /auth/keys/{id}`
    pub async fn revoke_key(&self, id: i64) -> Result<()> {
        let id = id.to_string();
        self.no_content(Method::DELETE, &["auth", "keys", &id], NO_BODY)
            .await
    }
}

/// Users (admin), and the caller's own password.
impl Client {
    /// `GET /users`
    pub async fn list_users(&self, params: &PageParams) -> Result<Page<User>> {
        self.get(&["users"], params).await
    }

    /// `POST /users`
    pub async fn create_user(&self, req: &CreateUser) -> Result<User> {
        self.with_body(Method::POST, &["users"], req).await
    }

    /// `GET /users/{id}`
    pub async fn get_user(&self, id: i64) -> Result<User> {
        self.get(&["users", &id.to_string()], NO_QUERY).await
    }

    /// `PATCH /users/{id}`; `disabled: Some(true)` disables the user.
    pub async fn update_user(&self, id: i64, req: &UpdateUser) -> Result<User> {
        self.with_body(Method::PATCH, &["users", &id.to_string()], req)
            .await
    }

    /// `POST /users/me/password`
    pub async fn change_password(&self, req: &ChangePassword) -> Result<()> {
        self.no_content(Method::POST, &["users", "me", "password"], Some(req))
            .await
    }
}

/// Tenants and their members. `tenant` is an id or a slug.
impl Client {
    /// `GET /tenants`
    pub async fn list_tenants(&self, params: &PageParams) -> Result<Page<Tenant>> {
        self.get(&["tenants"], params).await
    }

    /// `POST /tenants`
    pub async fn create_tenant(&self, req: &CreateTenant) -> Result<Tenant> {
        self.with_body(Method::POST, &["tenants"], req).await
    }

    /// `GET /tenants/{tenant}`
    pub async fn get_tenant(&self, tenant: &str) -> Result<Tenant> {
        self.get(&["tenants", tenant], NO_QUERY).await
    }

    /// `PATCH /tenants/{tenant}`
    pub async fn update_tenant(&self, tenant: &str, req: &UpdateTenant) -> Result<Tenant> {
        self.with_body(Method::PATCH, &["tenants", tenant], req)
            .await
    }

    /// `DELETE /tenants/{tenant}`: `conflict` while the tenant still has projects.
    pub async fn delete_tenant(&self, tenant: &str) -> Result<()> {
        self.no_content(Method::DELETE, &["tenants", tenant], NO_BODY)
            .await
    }

    /// `GET /tenants/{tenant}/members`
    pub async fn tenant_members(&self, tenant: &str, params: &PageParams) -> Result<Page<Member>> {
        self.get(&["tenants", tenant, "members"], params).await
    }

    /// `PUT /tenants/{tenant}/members/{user_id}`: a new member with the `member` role
    /// (an existing one keeps theirs).
    pub async fn add_tenant_member(&self, tenant: &str, user_id: i64) -> Result<Member> {
        self.put_tenant_member(tenant, user_id, None).await
    }

    /// `PUT /tenants/{tenant}/members/{user_id}` with a role: adds the member with `role`,
    /// or changes an existing member's role (`None`: `member` when new, else unchanged).
    pub async fn put_tenant_member(
        &self,
        tenant: &str,
        user_id: i64,
        role: Option<TenantRole>,
    ) -> Result<Member> {
        let user = user_id.to_string();
        self.with_body(
            Method::PUT,
            &["tenants", tenant, "members", &user],
            &PutTenantMember { role },
        )
        .await
    }

    /// `DELETE /tenants/{tenant}/members/{user_id}`
    pub async fn remove_tenant_member(&self, tenant: &str, user_id: i64) -> Result<()> {
        let user = user_id.to_string();
        self.no_content(
            Method::DELETE,
            &["tenants", tenant, "members", &user],
            NO_BODY,
        )
        .await
    }
}

/// Projects. Paths take the numeric id; find one by slug with `list_projects`.
impl Client {
    /// `GET /projects?tenant=&slug=`
    pub async fn list_projects(&self, params: &ProjectListParams) -> Result<Page<Project>> {
        self.get(&["projects"], params).await
    }

    /// `POST /projects`
    pub async fn create_project(&self, req: &CreateProject) -> Result<Project> {
        self.with_body(Method::POST, &["projects"], req).await
    }

    /// `GET /projects/{id}`
    pub async fn get_project(&self, id: i64) -> Result<Project> {
        self.get(&["projects", &id.to_string()], NO_QUERY).await
    }

    /// `POST /projects/{id}/check-repo`
    pub async fn check_project_repo(&self, id: i64) -> Result<aiops_types::RepoCheck> {
        self.call(Method::POST, &["projects", &id.to_string(), "check-repo"])
            .await
    }

    /// `PATCH /projects/{id}`
    pub async fn update_project(&self, id: i64, req: &UpdateProject) -> Result<Project> {
        self.with_body(Method::PATCH, &["projects", &id.to_string()], req)
            .await
    }

    /// `DELETE /projects/{id}`
    pub async fn delete_project(&self, id: i64) -> Result<()> {
        let id = id.to_string();
        self.no_content(Method::DELETE, &["projects", &id], NO_BODY)
            .await
    }
}

/// Issues of every provider, addressed by aiops's own id, and their comments.
impl Client {
    /// `GET /issues?tenant=&project=&provider=&status=&assignee=&label=&q=`, newest
    /// first; `status` defaults to `open` on the server.
    pub async fn list_issues(&self, params: &IssueListParams) -> Result<Page<Issue>> {
        self.get(&["issues"], params).await
    }

    /// `POST /issues`
    pub async fn create_issue(&self, req: &CreateIssue) -> Result<Issue> {
        self.with_body(Method::POST, &["issues"], req).await
    }

    /// `GET /issues/{id}`
    pub async fn get_issue(&self, id: i64) -> Result<Issue> {
        self.get(&["issues", &id.to_string()], NO_QUERY).await
    }

    /// `GET /issues/{id}/view`: with description and comments as sanitized HTML.
    pub async fn issue_view(&self, id: i64) -> Result<aiops_types::IssueView> {
        self.get(&["issues", &id.to_string(), "view"], NO_QUERY)
            .await
    }

    /// `PATCH /issues/{id}`; `labels` replaces the whole set.
    pub async fn update_issue(&self, id: i64, req: &UpdateIssue) -> Result<Issue> {
        self.with_body(Method::PATCH, &["issues", &id.to_string()], req)
            .await
    }

    /// `POST /issues/{id}/close`
    pub async fn close_issue(&self, id: i64) -> Result<Issue> {
        self.call(Method::POST, &["issues", &id.to_string(), "close"])
            .await
    }

    /// `DELETE /issues/{id}`: a native issue (or one gone from its tracker) and its
    /// comments.
    pub async fn delete_issue(&self, id: i64) -> Result<()> {
        let id = id.to_string();
        self.no_content(Method::DELETE, &["issues", &id], NO_BODY)
            .await
    }

    /// `POST /issues/{id}/reopen`
    pub async fn reopen_issue(&self, id: i64) -> Result<Issue> {
        self.call(Method::POST, &["issues", &id.to_string(), "reopen"])
            .await
    }

    /// `PUT /issues/{id}/assignee`; `None` unassigns.
    pub async fn assign_issue(&self, id: i64, assignee: Option<&str>) -> Result<Issue> {
        let body = AssignIssue {
            assignee: assignee.map(str::to_owned),
            user: None,
        };
        self.assign_issue_with(id, &body).await
    }

    /// `PUT /issues/{id}/assignee` with the whole request (`user`: an id or email).
    pub async fn assign_issue_with(&self, id: i64, body: &AssignIssue) -> Result<Issue> {
        self.with_body(Method::PUT, &["issues", &id.to_string(), "assignee"], body)
            .await
    }

    /// `GET /issues/{id}/comments`, oldest first.
    pub async fn list_comments(&self, id: i64, params: &PageParams) -> Result<Page<Comment>> {
        self.get(&["issues", &id.to_string(), "comments"], params)
            .await
    }

    /// `POST /issues/{id}/comments`
    pub async fn add_comment(&self, id: i64, body: &str) -> Result<Comment> {
        let body = CommentBody {
            body: body.to_owned(),
        };
        self.with_body(
            Method::POST,
            &["issues", &id.to_string(), "comments"],
            &body,
        )
        .await
    }

    /// `PATCH /issues/{id}/comments/{comment_id}`: only the comment's author may.
    pub async fn edit_comment(&self, id: i64, comment_id: i64, body: &str) -> Result<Comment> {
        let (id, comment) = (id.to_string(), comment_id.to_string());
        let body = CommentBody {
            body: body.to_owned(),
        };
        self.with_body(Method::PATCH, &["issues", &id, "comments", &comment], &body)
            .await
    }
}

/// The audit log and the server itself.
impl Client {
    /// `GET /audit` (admin), newest first.
    pub async fn list_audit(&self, params: &AuditListParams) -> Result<Page<AuditEntry>> {
        self.get(&["audit"], params).await
    }

    /// `GET /system/health` (public).
    pub async fn health(&self) -> Result<Health> {
        self.get(&["system", "health"], NO_QUERY).await
    }

    /// `GET /system/features`: what this server allows (yolo, session limit).
    pub async fn features(&self) -> Result<aiops_types::Features> {
        self.get(&["system", "features"], NO_QUERY).await
    }

    /// `GET /system/status` (admin).
    pub async fn status(&self) -> Result<Status> {
        self.get(&["system", "status"], NO_QUERY).await
    }
}
