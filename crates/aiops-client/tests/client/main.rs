//! Integration tests of aiops-client: the credential stores on the real file system,
//! and the HTTP client against a scripted local server. (Tests against the real server
//! live with aiops-server.)

mod http;
mod key_store;
