//! Requests the bench sections send to a server under test: the raw request the load
//! generator repeats, and the seeded demo template they create inquiries on.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use serde::Deserialize;

use crate::error::BenchError;
use crate::server::Server;

#[derive(Deserialize)]
struct TemplateList {
    data: Vec<TemplateResource>,
}

#[derive(Deserialize)]
struct TemplateResource {
    id: String,
    attributes: TemplateAttributes,
}

#[derive(Deserialize)]
struct TemplateAttributes {
    name: String,
}

/// The seeded dynamic demo template ("Demo: ID…").
pub(crate) async fn demo_template(server: &Server) -> Result<String, BenchError> {
    let path = "/api/v1/inquiry-templates?page%5Bsize%5D=100";
    let setup = |e: String| BenchError::Setup(format!("GET {path}"), e);
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.base_url()))
        .bearer_auth(&server.api_key)
        .send()
        .await
        .map_err(|e| setup(e.to_string()))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| setup(e.to_string()))?;
    if !status.is_success() {
        return Err(setup(format!("HTTP {status}: {text}")));
    }
    let list: TemplateList = serde_json::from_str(&text).map_err(|e| setup(e.to_string()))?;
    list.data
        .into_iter()
        .find(|t| t.attributes.name.starts_with("Demo: ID"))
        .map(|t| t.id)
        .ok_or_else(|| setup("no template named `Demo: ID…` was seeded".into()))
}

pub(crate) fn request(
    method: Method,
    path: &str,
    host: &str,
    auth: Option<&str>,
    body: Option<String>,
) -> Request<Full<Bytes>> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(HOST, host);
    if let Some(auth) = auth {
        builder = builder.header(AUTHORIZATION, auth);
    }
    let body = match body {
        Some(b) => {
            builder = builder.header(CONTENT_TYPE, "application/json");
            Full::new(Bytes::from(b))
        }
        None => Full::new(Bytes::new()),
    };
    // Path, host and key come from the server itself; a malformed one yields an empty request
    // that the server answers with an error, which the error column then shows.
    builder
        .body(body)
        .unwrap_or_else(|_| Request::new(Full::new(Bytes::new())))
}
