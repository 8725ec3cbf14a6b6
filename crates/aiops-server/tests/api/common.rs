//! A live server on 127.0.0.1:0 with a fresh data dir, an admin and an admin API key.

use aiops_client::{Client, ClientError, Credential, Secret};
use aiops_server::{Settings, admin};
use aiops_types::{CreateUser, ErrorCode, Role, Scope};
use tokio::sync::oneshot;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

pub struct TestServer {
    pub url: String,
    pub admin_key: String,
    pub data_dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// Like [`start`](Self::start), with `configure` changing the settings first.
    pub async fn start_with(configure: impl FnOnce(&mut Settings)) -> TestServer {
        let data_dir = tempfile::tempdir().expect("temp data dir");
        admin::create_admin(data_dir.path(), ADMIN_EMAIL, ADMIN_PASSWORD).expect("create admin");
        let admin_key = admin::create_api_key(data_dir.path(), ADMIN_EMAIL, "tests", &Scope::ALL)
            .expect("admin key")
            .secret
            .expose()
            .to_owned();
        let mut settings = Settings::for_data_dir(data_dir.path());
        configure(&mut settings);
        let state = aiops_server::open(settings).expect("open server state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(aiops_server::serve(state, listener, async {
            let _ = stopped.await;
        }));
        TestServer {
            url,
            admin_key,
            data_dir,
            stop: Some(stop),
        }
    }

    pub fn client(&self, key: &str) -> Client {
        Client::new(&self.url, Credential::ApiKey(Secret::new(key))).expect("client")
    }

    pub fn admin(&self) -> Client {
        self.client(&self.admin_key)
    }

    pub fn anonymous(&self) -> Client {
        Client::new(&self.url, Credential::None).expect("client")
    }

    /// Creates a user with `role` and returns its id and a key with `scopes`.
    pub async fn user_with_key(&self, email: &str, role: Role, scopes: &[Scope]) -> (i64, String) {
        let user = self
            .admin()
            .create_user(&CreateUser {
                email: email.into(),
                name: None,
                role,
                password: "user-password-1".into(),
            })
            .await
            .expect("create user");
        let key = admin::create_api_key(self.data_dir.path(), email, "k", scopes)
            .expect("user key")
            .secret
            .expose()
            .to_owned();
        (user.id, key)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The error code of a failed call; panics when the call succeeded or failed otherwise.
pub fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> ErrorCode {
    match r {
        Err(ClientError::Api { code, .. }) => code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Creates tenant `name` as `admin` (an admin's client); panics when refused.
pub async fn create_tenant(admin: &Client, name: &str) {
    admin
        .create_tenant(&aiops_types::CreateTenant {
            name: name.into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("create tenant {name}: {e}"));
}
