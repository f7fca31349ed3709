//! Webhook deliveries and proxies: `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` in the
//! server's environment are never used (a listener standing in for a proxy is never
//! contacted), and `webhook_proxy_url` sends every delivery through the proxy it names.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::server::{Builder, TestServer};
use crate::webhooks::{create_webhook, eventually, start_receiver};

const PROXY_VARIABLES: [&str; 6] = [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// A listener standing in for a proxy: counts connections, records each request line and
/// answers `204` itself (a real proxy would forward the request).
#[derive(Clone, Default)]
struct StandInProxy {
    contacts: Arc<AtomicUsize>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl StandInProxy {
    async fn start() -> (StandInProxy, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let proxy = StandInProxy::default();
        let accepting = proxy.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                accepting.contacts.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(accepting.clone().answer(conn));
            }
        });
        (proxy, url)
    }

    fn contacts(&self) -> usize {
        self.contacts.load(Ordering::SeqCst)
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("proxy lock").clone()
    }

    /// Reads one request (line, headers, `content-length` body), records it, answers 204.
    async fn answer(self, conn: TcpStream) {
        let mut reader = BufReader::new(conn);
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).await.unwrap_or(0) == 0 || header == "\r\n" {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body).await;
        self.lines
            .lock()
            .expect("proxy lock")
            .push(line.trim_end().to_owned());
        let _ = reader
            .get_mut()
            .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
            .await;
    }
}

fn server_with_proxy_variables(proxy_url: &str) -> Builder {
    let mut builder = TestServer::builder()
        .env("VERITY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
        .env("VERITY_WEBHOOK_POLL_INTERVAL_MS", "100")
        .env("NO_PROXY", "");
    for variable in PROXY_VARIABLES {
        builder = builder.env(variable, proxy_url);
    }
    builder
}

async fn create_an_inquiry(s: &TestServer) {
    let template = s.template_id("Demo: ID").await;
    let (status, created) = s.create_inquiry(&template, json!({})).await;
    assert_eq!(status, 201, "{created}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_environment_variables_are_never_contacted_by_deliveries() {
    let (proxy, proxy_url) = StandInProxy::start().await;
    let (receiver, addr) = start_receiver().await;
    let s = server_with_proxy_variables(&proxy_url).start();
    create_webhook(&s, &format!("http://{addr}/hook/ok"), json!({})).await;
    create_an_inquiry(&s).await;

    // Through the stand-in the delivery would stop there: reaching the receiver means direct.
    eventually(20, "a direct delivery", || {
        let r = receiver.clone();
        async move { r.all().into_iter().next() }
    })
    .await;
    assert_eq!(proxy.contacts(), 0, "the environment's proxy was contacted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_proxy_url_carries_deliveries_and_wins_over_the_environment() {
    let (configured, configured_url) = StandInProxy::start().await;
    let (from_env, env_url) = StandInProxy::start().await;
    let (receiver, addr) = start_receiver().await;
    let s = server_with_proxy_variables(&env_url)
        .env("VERITY_WEBHOOK_PROXY_URL", &configured_url)
        .start();
    create_webhook(&s, &format!("http://{addr}/hook/ok"), json!({})).await;
    create_an_inquiry(&s).await;

    let line = eventually(20, "a delivery through the configured proxy", || {
        let p = configured.clone();
        async move { p.lines().into_iter().next() }
    })
    .await;
    assert_eq!(line, format!("POST http://{addr}/hook/ok HTTP/1.1"));
    assert_eq!(
        from_env.contacts(),
        0,
        "the environment's proxy was contacted"
    );
    assert!(
        receiver.all().is_empty(),
        "the delivery went around the proxy"
    );
}
