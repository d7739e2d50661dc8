//! `serve --apis`: a server offers only the route families it was started with; the
//! others answer 404 with the usual error body, and its OpenAPI document lists only
//! what it serves. Routing does not depend on the storage engine, so these run on
//! SQLite only.

use crate::support::*;
use outpost_server::apis::{Api, Apis};
use reqwest::StatusCode;

async fn paths_served(srv: &Srv) -> Vec<String> {
    let r = srv.http.get(srv.url("/openapi.json")).send().await.unwrap();
    let doc: serde_json::Value = r.json().await.unwrap();
    doc["paths"].as_object().unwrap().keys().cloned().collect()
}

fn assert_route_is_off(what: &str, r: &Resp) {
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{what}: {:?}", r.body);
    assert_eq!(
        r.code(),
        "not_found",
        "{what}: an ErrorBody, as for any unknown route"
    );
    assert!(r.body["message"].is_string(), "{what}: {:?}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ondi_only_server_serves_messaging_and_404s_sync() {
    let server = TestServer::start_apis(Engine::Sqlite, Apis::only([Api::Ondi])).await;
    let srv = server.clone_handle();
    let token = srv.login("agent1@demo.test").await;

    let queue = srv.get("/messaging/support/tickets", &token).await;
    assert_eq!(
        queue.status,
        StatusCode::OK,
        "seed 000 is on: {:?}",
        queue.body
    );
    let conv = srv.world.ticket.conversation_id;
    let messages = srv
        .get(&format!("/messaging/conversations/{conv}/messages"), &token)
        .await;
    assert_ne!(
        messages.status,
        StatusCode::NOT_FOUND,
        "seed 003 is on: {:?}",
        messages.body
    );

    assert_route_is_off(
        "GET /sync/v1/changes",
        &srv.get("/sync/v1/changes?cursor=0", &token).await,
    );
    assert_route_is_off(
        "POST /sync/v1/mutations",
        &srv.post("/sync/v1/mutations", &token, serde_json::json!({}))
            .await,
    );

    let paths = paths_served(&srv).await;
    assert!(
        paths.contains(&"/messaging/support/tickets".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/auth/v1/login".to_owned()),
        "login stays on: a seed-only server still hands out tokens"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/sync/")),
        "the document lists only the families served: {paths:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_only_server_serves_sync_and_404s_messaging() {
    let server = TestServer::start_apis(Engine::Sqlite, Apis::only([Api::Native])).await;
    let srv = server.clone_handle();
    let token = srv.login("agent1@demo.test").await;

    let pull = srv.get("/sync/v1/changes?cursor=0", &token).await;
    assert_eq!(pull.status, StatusCode::OK, "sync is on: {:?}", pull.body);

    let t = srv.world.ticket.id;
    let conv = srv.world.ticket.conversation_id;
    assert_route_is_off(
        "GET /messaging/support/tickets",
        &srv.get("/messaging/support/tickets", &token).await,
    );
    assert_route_is_off(
        "POST assign-to-me",
        &srv.post(
            &format!("/messaging/support/tickets/{t}/assign-to-me"),
            &token,
            serde_json::json!({}),
        )
        .await,
    );
    assert_route_is_off(
        "GET messages",
        &srv.get(&format!("/messaging/conversations/{conv}/messages"), &token)
            .await,
    );

    let paths = paths_served(&srv).await;
    assert!(paths.contains(&"/sync/v1/changes".to_owned()), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.starts_with("/messaging/")),
        "the document lists only the families served: {paths:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_nine_next_only_server_serves_the_admin_list_and_files_and_404s_the_rest() {
    let apis = Apis::only([Api::TwentyNineNext]);
    let server = TestServer::start_apis(Engine::Sqlite, apis).await;
    let srv = server.clone_handle();
    let token = srv.login("admin@demo.test").await;
    let list = srv
        .http
        .get(srv.url("/api/admin/tickets/"))
        .bearer_auth(&token)
        .header("X-29next-API-Version", "unstable")
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK, "seed 004 is on");
    let body: serde_json::Value = list.json().await.unwrap();
    assert_eq!(body["results"][0]["id"], srv.world.ticket.number.0);
    assert_route_is_off(
        "GET /messaging/support/tickets",
        &srv.get("/messaging/support/tickets", &token).await,
    );
    assert_route_is_off(
        "GET /sync/v1/changes",
        &srv.get("/sync/v1/changes", &token).await,
    );
    assert_route_is_off(
        "POST /files/v1 (uploads are the native API's)",
        &srv.post("/files/v1", &token, serde_json::json!({})).await,
    );
    let file = srv.get("/files/v1/1", &token).await;
    assert_eq!(
        file.code(),
        "not_found",
        "downloads are on (no such file here): {:?}",
        file.body
    );
    assert!(
        file.body["message"].as_str().unwrap().contains("file"),
        "{:?}",
        file.body
    );
    let health = srv.http.get(srv.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "meta routes are always on");
    let paths = paths_served(&srv).await;
    assert!(
        paths.contains(&"/api/admin/tickets/".to_owned()),
        "{paths:?}"
    );
    assert!(!paths.iter().any(|p| p.starts_with("/sync/")), "{paths:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sonzai_only_server_serves_support_tickets_and_404s_the_rest() {
    let server = TestServer::start_apis(Engine::Sqlite, Apis::only([Api::Sonzai])).await;
    let srv = server.clone_handle();
    let token = srv.login("customer@demo.test").await;
    let list = srv.get("/api/v1/support/tickets", &token).await;
    assert_eq!(
        list.status,
        StatusCode::OK,
        "seed 001 is on: {:?}",
        list.body
    );
    assert_eq!(list.body["total"], 1);
    assert_route_is_off(
        "GET /messaging/support/tickets",
        &srv.get("/messaging/support/tickets", &token).await,
    );
    assert_route_is_off(
        "GET /sync/v1/changes",
        &srv.get("/sync/v1/changes?cursor=0", &token).await,
    );
    let paths = paths_served(&srv).await;
    assert!(
        paths.contains(&"/api/v1/support/tickets/{ticketId}/comments".to_owned()),
        "{paths:?}"
    );
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("/messaging/") || p.starts_with("/sync/")),
        "{paths:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_only_server_serves_chat_tickets_and_404s_the_rest() {
    let server = TestServer::start_apis(Engine::Sqlite, Apis::only([Api::Workspace])).await;
    let srv = server.clone_handle();
    let token = srv.login("agent1@demo.test").await;
    let list = srv
        .get("/api/v1/tickets/details?status=ongoing", &token)
        .await;
    assert_eq!(
        list.status,
        StatusCode::OK,
        "seed 002 is on: {:?}",
        list.body
    );
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    for path in [
        "/messaging/support/tickets",
        "/api/v1/support/tickets",
        "/sync/v1/changes?cursor=0",
    ] {
        assert_route_is_off(path, &srv.get(path, &token).await);
    }
    let paths = paths_served(&srv).await;
    assert!(
        paths.contains(&"/api/v1/tickets/{ticketId}/tags/{tagId}".to_owned()),
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/messaging/")
            || p.starts_with("/sync/")
            || p.starts_with("/api/v1/support")),
        "{paths:?}"
    );
    server.stop().await;
}

#[test]
fn serve_refuses_an_unknown_family_naming_the_valid_ones() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_outpost-server"))
        // A database that cannot open: should the list ever be accepted, the server
        // exits instead of serving forever.
        .args(["serve", "--apis", "ondi,zendesk", "--bind", "127.0.0.1:0"])
        .args(["--database-url", "sqlite:///nonexistent/outpost.db"])
        .env_remove("OUTPOST_APIS")
        .output()
        .expect("run outpost-server");
    assert!(
        !out.status.success(),
        "an unknown family must not start a server"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown API family \"zendesk\"")
            && stderr.contains("native, ondi, sonzai, workspace, 29next"),
        "the error names the bad family and the valid ones: {stderr}"
    );
}
