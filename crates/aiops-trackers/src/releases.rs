//! Downloads of release manifests and binaries for `aiops system update` over HTTP(S):
//! the same client setup as the trackers (OS trust store, one rustls provider), no
//! credentials, redirects followed (release files usually live behind a CDN redirect).

use std::io::{Read, Write};
use std::time::Duration;

use aiops_core::releases::Releases;
use aiops_core::{CoreError, CoreResult};

/// Releases over HTTP with a whole-request `timeout`.
pub struct HttpReleases {
    agent: ureq::Agent,
}

impl HttpReleases {
    pub fn new(timeout: Duration) -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .unversioned_rustls_crypto_provider(std::sync::Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .build();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(5)
            .user_agent(concat!("aiops/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .build()
            .new_agent();
        Self { agent }
    }

    fn get(&self, url: &str) -> CoreResult<ureq::http::Response<ureq::Body>> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(CoreError::invalid(
                "update_url",
                format!("`{url}` is not an http(s) URL"),
            ));
        }
        self.agent.get(url).call().map_err(|e| match e {
            ureq::Error::StatusCode(code) => {
                CoreError::Upstream(format!("{url} answered HTTP {code}"))
            }
            other => CoreError::Upstream(format!("cannot download {url}: {other}")),
        })
    }
}

impl Releases for HttpReleases {
    fn fetch(&self, url: &str, max_bytes: u64) -> CoreResult<Vec<u8>> {
        let resp = self.get(url)?;
        let mut body = Vec::new();
        resp.into_body()
            .into_reader()
            .take(max_bytes + 1)
            .read_to_end(&mut body)
            .map_err(|e| CoreError::Upstream(format!("reading {url}: {e}")))?;
        if body.len() as u64 > max_bytes {
            return Err(CoreError::Upstream(format!(
                "{url} is larger than {max_bytes} bytes"
            )));
        }
        Ok(body)
    }

    fn download(&self, url: &str, out: &mut dyn Write, progress: &dyn Fn(u64)) -> CoreResult<u64> {
        let resp = self.get(url)?;
        let mut reader = resp.into_body().into_reader();
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| CoreError::Upstream(format!("reading {url}: {e}")))?;
            if n == 0 {
                return Ok(total);
            }
            out.write_all(&buf[..n])
                .map_err(|e| CoreError::Internal(format!("writing the download: {e}")))?;
            total += n as u64;
            progress(total);
        }
    }
}
