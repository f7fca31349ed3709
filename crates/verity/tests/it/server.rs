//! `TestServer`: runs the real `verity` binary on 127.0.0.1 with its own data directory
//! (or PostgreSQL database) and hands out a client with the API key it printed.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

pub struct TestServer {
    child: Option<Child>,
    pub base: String,
    pub api_key: String,
    /// The demo admin's console email and password, when this start printed them.
    pub console_admin: Option<(String, String)>,
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    pub client: reqwest::Client,
}

pub struct Builder {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    api_key: Option<String>,
    env: Vec<(String, String)>,
    every_address: bool,
}

impl Builder {
    /// Reuse a data directory (to restart on the same database).
    pub fn data_dir(mut self, dir: PathBuf) -> Self {
        self.data_dir = Some(dir);
        self
    }
    pub fn database_url(mut self, url: &str) -> Self {
        self.database_url = Some(url.into());
        self
    }
    /// The key to use when the database already has one (no key is printed then).
    pub fn api_key(mut self, key: &str) -> Self {
        self.api_key = Some(key.into());
        self
    }
    /// Listens on every address of the machine (`0.0.0.0`), not loopback only, so a test
    /// can reach it as another machine would.
    pub fn every_address(mut self) -> Self {
        self.every_address = true;
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn start(self) -> TestServer {
        let (tmp, data_dir) = match self.data_dir {
            Some(d) => (None, d),
            None => {
                let t = tempfile::tempdir().expect("tempdir");
                let d = t.path().join("data");
                (Some(t), d)
            }
        };
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_verity"));
        cmd.arg("serve")
            .env(
                "VERITY_LISTEN",
                if self.every_address {
                    format!("0.0.0.0:{port}")
                } else {
                    format!("127.0.0.1:{port}")
                },
            )
            .env("VERITY_PUBLIC_URL", format!("http://localhost:{port}"))
            .env("VERITY_DATA_DIR", &data_dir)
            .env("VERITY_LOG", "warn")
            .env("VERITY_RATE_LIMIT_PER_SECOND", "0")
            .current_dir(data_dir.parent().unwrap_or(&data_dir))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(url) = &self.database_url {
            cmd.env("VERITY_DATABASE_URL", url);
            // Processes sharing a database share its keyring (docs/encryption.md): derived
            // from the URL here, so every server started on one database has the same.
            cmd.env("VERITY_ENCRYPTION_KEY", keyring_for(url));
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn verity");
        let stdout = child.stdout.take().expect("stdout");
        // Read stdout on a thread until the server says it is serving; collect the key.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let (mut key, mut admin) = (None, None);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(i) = line.find("vk_") {
                    key = Some(line[i..].trim().to_owned());
                }
                admin = admin.or_else(|| console_sign_in(&line));
                if line.starts_with("Verity is serving") {
                    let _ = tx.send((key.take(), admin.take()));
                }
            }
        });
        let (printed, console_admin) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server did not start within 60 s");
        let api_key = printed
            .or(self.api_key)
            .expect("no API key printed or given");
        TestServer {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            api_key,
            console_admin,
            data_dir,
            _tmp: tmp,
            client: reqwest::Client::new(),
        }
    }
}

/// `  Console sign-in (shown once): EMAIL / PASSWORD at /console` → (email, password).
fn console_sign_in(line: &str) -> Option<(String, String)> {
    let rest = line.split_once("Console sign-in (shown once): ")?.1;
    let (email, rest) = rest.split_once(" / ")?;
    let password = rest.split_whitespace().next()?;
    Some((email.to_owned(), password.to_owned()))
}

/// A keyring of one key derived from `url` (tests only: a real key is random).
pub fn keyring_for(url: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let key = sha2::Sha256::digest(format!("verity test keyring {url}").as_bytes());
    format!(
        "test {}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl TestServer {
    pub fn builder() -> Builder {
        Builder {
            data_dir: None,
            database_url: None,
            api_key: None,
            env: Vec::new(),
            every_address: false,
        }
    }

    pub fn start() -> TestServer {
        Self::builder().start()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request with the API key; returns status and JSON body (Null if none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.api_key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// The id of a seeded demo template by name prefix ("Demo: ID", "Demo: legacy", "Demo: inactive").
    pub async fn template_id(&self, name_prefix: &str) -> String {
        let (status, body) = self
            .get("/api/v1/inquiry-templates?page%5Bsize%5D=100")
            .await;
        assert_eq!(status, 200, "{body}");
        body["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|t| {
                t["attributes"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(name_prefix))
            })
            .and_then(|t| t["id"].as_str())
            .unwrap_or_else(|| panic!("no template named {name_prefix}…"))
            .to_owned()
    }

    pub async fn create_inquiry(&self, template_id: &str, attributes: Value) -> (u16, Value) {
        let mut attrs = attributes;
        attrs["inquiry-template-id"] = json!(template_id);
        self.post("/api/v1/inquiries", json!({"data": {"attributes": attrs}}))
            .await
    }

    /// Stops the process with SIGKILL (no graceful shutdown).
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops gracefully with SIGTERM and waits.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }
}

impl TestServer {
    /// Sends SIGTERM and returns at once: the graceful shutdown runs meanwhile.
    pub fn terminate(&self) {
        if let Some(child) = &self.child {
            let sent = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status()
                .expect("run kill");
            assert!(sent.success(), "SIGTERM was not sent");
        }
    }

    /// Waits (at most `limit`) for the process to exit; its exit status, `None` past it.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        rx.recv_timeout(limit).ok().and_then(Result::ok)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill9();
    }
}
