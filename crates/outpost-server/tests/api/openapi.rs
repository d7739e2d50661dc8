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
        "/openapi.json",
        "/healthz",
    ] {
        assert!(
            paths.contains_key(route),
            "{route} is missing from the OpenAPI document"
        );
    }
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
