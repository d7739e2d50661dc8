use crate::both_engines;
use crate::support::*;
use reqwest::StatusCode;

#[test]
fn committed_openapi_document_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(path).expect("docs/openapi.json exists");
    assert!(
        committed == outpost_server::http::openapi_json(),
        "docs/openapi.json is stale: run `make openapi` and commit the result"
    );
}

#[test]
fn openapi_document_covers_every_route() {
    let doc: serde_json::Value =
        serde_json::from_str(&outpost_server::http::openapi_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/auth/v1/login",
        "/auth/v1/logout",
        "/auth/v1/me",
        "/messaging/support/tickets",
        "/messaging/support/tickets/{id}",
        "/messaging/support/tickets/{id}/assign-to-me",
        "/messaging/support/tickets/{id}/close",
        "/messaging/conversations/{conversationId}/messages",
        "/sync/v1/changes",
        "/sync/v1/mutations",
        "/sync/v1/events",
        "/api/admin/tickets/",
        "/files/v1",
        "/files/v1/{id}",
        "/files/v1/{id}/{name}",
        "/openapi.json",
        "/healthz",
    ] {
        assert!(
            paths.contains_key(route),
            "{route} is missing from the OpenAPI document"
        );
    }
}

/// Every `$ref` names a schema the document defines (a schema only a parameter uses
/// is easy to leave out of `components`, and clients then cannot read the document).
#[test]
fn every_schema_reference_resolves() {
    let doc = outpost_server::http::openapi_json();
    let parsed: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let defined = parsed["components"]["schemas"].as_object().unwrap();
    let prefix = "\"#/components/schemas/";
    let mut checked = 0;
    for (i, _) in doc.match_indices(prefix) {
        let rest = &doc[i + prefix.len()..];
        let name = &rest[..rest.find('"').unwrap()];
        assert!(
            defined.contains_key(name),
            "$ref to undefined schema {name}"
        );
        checked += 1;
    }
    assert!(checked > 50, "references were found ({checked})");
}

both_engines!(
    served_openapi_equals_the_generated_document,
    |srv: Srv| async move {
        let r = srv.http.get(srv.url("/openapi.json")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.text().await.unwrap(),
            outpost_server::http::openapi_json()
        );
    }
);
