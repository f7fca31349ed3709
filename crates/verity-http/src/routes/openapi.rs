//! The OpenAPI 3.1 document served at `/openapi.json`: the paths and schemas come from the
//! route table (`routes::api`), this file adds what is common to every operation — the
//! bearer security scheme and the error statuses, each with the error document's schema.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::OpenApi as _;

use crate::wire::error::ErrorDocument;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Verity API",
        description = "Identity verification: inquiries, templates, accounts, events, webhooks. \
JSON:API documents with kebab-case keys (send `Key-Inflection: camel` or `snake` for other keys); \
`Authorization: Bearer <API key>`; `Idempotency-Key` makes a POST safe to retry."
    ),
    components(schemas(ErrorDocument)),
    tags(
        (name = "inquiries", description = "One individual's verification"),
        (name = "templates", description = "What an inquiry asks for and checks"),
        (name = "accounts", description = "The people inquiries belong to"),
        (name = "verifications", description = "Government-ID and selfie results"),
        (name = "events", description = "The event log"),
        (name = "webhooks", description = "Signed event deliveries"),
        (name = "audit", description = "Who saw or decided what (docs/console.md)"),
    )
)]
struct ApiDoc;

/// The name of the security scheme in `components.securitySchemes`.
const BEARER: &str = "bearer";

/// The whole document: `api` holds the route table's paths (already under `/api/v1`).
pub fn document(api: OpenApi) -> OpenApi {
    let mut doc = ApiDoc::openapi().merge_from(api);
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let scheme = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .bearer_format("API key (vk_…)")
        .description(Some("An API key, created with `verity api-key create`"))
        .build();
    if let Some(components) = doc.components.as_mut() {
        components.add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    }
    doc.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_id = path.contains("{");
        let reads = [&mut item.get];
        let writes = [
            &mut item.post,
            &mut item.patch,
            &mut item.put,
            &mut item.delete,
        ];
        for op in reads.into_iter().flatten() {
            add_errors(op, has_id, false);
            qualify_operation_id(op);
        }
        for op in writes.into_iter().flatten() {
            add_errors(op, has_id, true);
            qualify_operation_id(op);
        }
    }
    link_creations(&mut doc);
    doc
}

/// The document as JSON. utoipa 5 writes a link's `operationId` as `operation_id`, which no
/// reader of OpenAPI understands; the keys are put right here.
pub fn to_json(doc: &OpenApi) -> serde_json::Value {
    let mut json = serde_json::to_value(doc).unwrap_or(serde_json::Value::Null);
    let responses = json["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(|r| r.as_object_mut()))
        .flat_map(|responses| responses.values_mut());
    for response in responses {
        let links = response.get_mut("links").and_then(|l| l.as_object_mut());
        for link in links.into_iter().flat_map(|l| l.values_mut()) {
            let Some(link) = link.as_object_mut() else {
                continue;
            };
            for (snake, camel) in [
                ("operation_id", "operationId"),
                ("operation_ref", "operationRef"),
            ] {
                if let Some(v) = link.remove(snake) {
                    link.insert(camel.to_owned(), v);
                }
            }
        }
    }
    json
}

fn operations(item: &PathItem) -> impl Iterator<Item = &Operation> {
    [&item.get, &item.post, &item.patch, &item.put, &item.delete]
        .into_iter()
        .flatten()
}

/// OpenAPI links from each create (`POST` on a collection, 201) to every operation on the
/// created resource (`{collection}/{id}…`), passing `data.id`: generated clients and
/// schemathesis' stateful phase follow them to real resources.
fn link_creations(doc: &mut OpenApi) {
    let targets: Vec<(String, String)> = doc
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            operations(item).filter_map(move |op| Some((path.clone(), op.operation_id.clone()?)))
        })
        .collect();
    for (path, item) in doc.paths.paths.iter_mut() {
        let prefix = format!("{path}/{{id}}");
        let Some(RefOr::T(created)) = item
            .post
            .as_mut()
            .and_then(|op| op.responses.responses.get_mut("201"))
        else {
            continue;
        };
        for (target, operation_id) in &targets {
            if target.starts_with(&prefix) {
                let link = LinkBuilder::new()
                    .operation_id(operation_id.clone())
                    .parameter("id", "$response.body#/data/id")
                    .build();
                created.links.insert(operation_id.clone(), RefOr::T(link));
            }
        }
    }
}

/// utoipa names an operation after its handler (`create`, `get`), which repeats across
/// resources; OpenAPI wants the ids unique and generated clients name methods after them, so
/// each is prefixed with its tag: `inquiries_create`, `templates_get`.
fn qualify_operation_id(op: &mut Operation) {
    let tag = op.tags.as_ref().and_then(|t| t.first()).cloned();
    if let (Some(tag), Some(id)) = (tag, op.operation_id.as_mut()) {
        *id = format!("{tag}_{id}");
    }
}

/// Every status an operation can answer with besides its own, as `error.rs` maps them.
fn add_errors(op: &mut Operation, has_id: bool, writes: bool) {
    let mut statuses = vec![
        ("400", "Malformed request: bad JSON or query parameter"),
        ("401", "No valid API key"),
        ("429", "Rate limited; see `Retry-After`"),
        (
            "500",
            "Something went wrong on our side (the body reveals nothing)",
        ),
    ];
    if has_id {
        statuses.push(("404", "No such resource (or an id of the wrong kind)"));
    }
    if writes {
        statuses.push(("409", "Conflicts with the resource's current state"));
        statuses.push(("422", "Well-formed but invalid"));
    }
    if op.request_body.is_some() {
        statuses.push(("413", "The body exceeds the size limit"));
        statuses.push(("415", "The body is not `application/json`"));
        statuses.push(("422", "Well-formed but invalid"));
    }
    for (status, description) in statuses {
        let response = op
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(description).build()));
        if let RefOr::T(response) = response {
            with_error_body(response);
        }
    }
    for (status, response) in op.responses.responses.iter_mut() {
        if let (true, RefOr::T(response)) = (status.as_str() >= "400", response) {
            with_error_body(response);
        }
    }
}

fn with_error_body(response: &mut Response) {
    if response.content.is_empty() {
        response.content.insert(
            "application/json".to_owned(),
            Content::new(Some(Ref::from_schema_name("ErrorDocument"))),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// `/openapi.json` is complete enough to generate a client from: every body and every
    /// 2xx answer has a schema, every error answer the error document's.
    #[test]
    fn every_body_and_every_answer_has_a_schema() {
        let doc = super::to_json(&crate::openapi_document());
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        let paths = doc["paths"].as_object().expect("paths");
        assert!(paths.len() >= 20, "{} paths", paths.len());
        let mut operations = 0;
        let mut ids = std::collections::BTreeSet::new();
        for (path, item) in paths {
            assert!(path.starts_with("/api/v1/"), "{path}");
            for (method, op) in item.as_object().expect("path item") {
                operations += 1;
                let at = format!("{method} {path}");
                let id = op["operationId"].as_str().expect("operationId").to_owned();
                assert!(ids.insert(id), "{at}: operationId repeats");
                if let Some(body) = op.get("requestBody") {
                    let schema = &body["content"]["application/json"]["schema"];
                    assert!(schema.is_object(), "{at}: request body without a schema");
                }
                let responses = op["responses"].as_object().expect("responses");
                assert!(responses.keys().any(|s| s.starts_with('2')), "{at}: no 2xx");
                for (status, response) in responses {
                    let schema = &response["content"]["application/json"]["schema"];
                    assert!(schema.is_object(), "{at} {status}: no schema");
                    if status.as_str() >= "400" {
                        assert_eq!(schema["$ref"], "#/components/schemas/ErrorDocument");
                    }
                }
                for status in ["400", "401", "429"] {
                    assert!(
                        responses.contains_key(status),
                        "{at}: {status} undocumented"
                    );
                }
            }
        }
        assert!(operations >= 30, "{operations} operations");
        let create = &doc["paths"]["/api/v1/inquiries"]["post"];
        assert_eq!(
            create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/CreateInquiry"
        );
        assert_eq!(
            create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
            Value::from("#/components/schemas/InquiryOne")
        );
        let resume = &create["responses"]["201"]["links"]["inquiries_resume"];
        assert_eq!(resume["operationId"], "inquiries_resume");
        assert_eq!(resume["parameters"]["id"], "$response.body#/data/id");
    }
}
