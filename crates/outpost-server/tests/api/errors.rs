//! Error responses: every 4xx is JSON with a stable `code` and a `message`, and no
//! internals (SQL, panics, source paths) leak.

use crate::both_engines;
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Every error body: `code` and `message` strings, nothing internal.
pub fn assert_clean_error(what: &str, r: &Resp) {
    assert!(
        r.status.is_client_error() || r.status.is_server_error(),
        "{what}: expected an error, got {}",
        r.status
    );
    assert!(
        r.status.as_u16() < 500,
        "{what}: a 5xx for bad input: {:?}",
        r.body
    );
    assert!(
        r.body["code"].is_string(),
        "{what}: no string code in {:?}",
        r.body
    );
    assert!(
        r.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: no message in {:?}",
        r.body
    );
    let text = r.body.to_string();
    let lower = text.to_lowercase();
    for needle in [
        "sqlx",
        "panicked",
        "select ",
        "insert into",
        "postgres",
        "sqlite",
        "backtrace",
        "stack backtrace",
    ] {
        assert!(
            !lower.contains(needle),
            "{what}: body leaks {needle:?}: {text}"
        );
    }
    for path in [
        ".rs:", "/src/", "/home/", "/root/", "/tmp/", "/var/", "/work/", "/usr/", "/.cargo/",
    ] {
        assert!(
            !text.contains(path),
            "{what}: body leaks a file path ({path}): {text}"
        );
    }
}

fn expect(what: &str, r: &Resp, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{what}: {:?}", r.body);
    assert_eq!(r.code(), code, "{what}: {:?}", r.body);
    assert_clean_error(what, r);
}

both_engines!(
    malformed_json_is_400_malformed_request,
    |srv: Srv| async move {
        let token = srv.login("agent1@demo.test").await;
        let conv = srv.world.ticket.conversation_id;
        let t = srv.world.ticket.id;
        let paths = [
            format!("/messaging/conversations/{conv}/messages"),
            format!("/messaging/support/tickets/{t}/close"),
            "/sync/v1/mutations".to_owned(),
            "/auth/v1/login".to_owned(),
        ];
        for path in &paths {
            for raw in [
                &b"{not json"[..],
                b"{\"content\": \"x\"",
                b"\xff\xfe",
                b"{\"content\": \"x\"} trailing",
                b"nul\x00l",
            ] {
                let r = srv.post_raw(path, &token, raw.to_vec()).await;
                expect(
                    &format!("POST {path} {:?}", String::from_utf8_lossy(raw)),
                    &r,
                    StatusCode::BAD_REQUEST,
                    "malformed_request",
                );
            }
        }
        // An empty body where one is required.
        for path in [&paths[0], &paths[2], &paths[3]] {
            let r = srv.post_raw(path, &token, Vec::new()).await;
            expect(
                &format!("empty body {path}"),
                &r,
                StatusCode::BAD_REQUEST,
                "malformed_request",
            );
        }
        // Close takes an optional body.
        let r = srv.post_raw(&paths[1], &token, Vec::new()).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "close without a body: {:?}",
            r.body
        );
    }
);

both_engines!(wrong_types_are_422_invalid_input, |srv: Srv| async move {
    let token = srv.login("agent1@demo.test").await;
    let conv = srv.world.ticket.conversation_id;
    let t = srv.world.ticket.id;
    let send = format!("/messaging/conversations/{conv}/messages");
    let cases: Vec<(String, Value)> = vec![
        (send.clone(), json!({"content": 42})),
        (send.clone(), json!({"content": ["a"]})),
        (send.clone(), json!({"message_type": 1, "content": "x"})),
        (send.clone(), json!({"content": "x", "internal": "yes"})),
        (
            send.clone(),
            json!({"content": "x", "parent_message_id": 7}),
        ),
        (
            send.clone(),
            json!({"content": "x", "attachments": {"name": "a"}}),
        ),
        (send.clone(), json!(["content", "x"])),
        (send.clone(), json!("hello")),
        (
            send.clone(),
            json!({"content": "x", "content_url": "ftp://example.com/x"}),
        ),
        (
            format!("/messaging/support/tickets/{t}/close"),
            json!({"metadata": "done"}),
        ),
        (
            format!("/messaging/support/tickets/{t}/close"),
            json!({"metadata": {"note": 5}}),
        ),
        (
            "/sync/v1/mutations".to_owned(),
            json!({"client_id": "not-a-uuid", "mutations": []}),
        ),
        (
            "/sync/v1/mutations".to_owned(),
            json!({"client_id": uuid::Uuid::now_v7(), "mutations": {}}),
        ),
        (
            "/sync/v1/mutations".to_owned(),
            json!({"client_id": uuid::Uuid::now_v7()}),
        ),
        (
            "/sync/v1/mutations".to_owned(),
            json!({"client_id": uuid::Uuid::now_v7(), "mutations": [{"seq": "1", "id": uuid::Uuid::now_v7(), "name": "ticket.claim", "args": {"ticket_id": t}}]}),
        ),
        (
            "/sync/v1/mutations".to_owned(),
            json!({"client_id": uuid::Uuid::now_v7(), "mutations": [{"seq": 1, "id": uuid::Uuid::now_v7(), "name": "ticket.explode", "args": {}}]}),
        ),
        (
            "/sync/v1/mutations".to_owned(),
            json!({"client_id": uuid::Uuid::now_v7(), "mutations": [{"seq": 1, "id": uuid::Uuid::now_v7(), "name": "ticket.update", "args": {"ticket_id": t, "priority": "extreme"}}]}),
        ),
        (
            "/auth/v1/login".to_owned(),
            json!({"email": 1, "password": "x"}),
        ),
        (
            "/auth/v1/login".to_owned(),
            json!({"email": "agent1@demo.test"}),
        ),
    ];
    for (path, body) in cases {
        let r = srv.post(&path, &token, body.clone()).await;
        expect(
            &format!("POST {path} {body}"),
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        );
    }
    let l = srv.get(&send, &token).await;
    assert_eq!(l.body["total"], 0, "nothing was stored");
});

both_engines!(bad_uuid_in_path_is_400_invalid_id, |srv: Srv| async move {
    let token = srv.login("agent1@demo.test").await;
    for bad in [
        "not-a-uuid",
        "123",
        "00000000-0000-0000-0000-00000000000g",
        "%20",
        "..%2F..%2Fetc%2Fpasswd",
        "'%20OR%201=1--",
    ] {
        for (method, path, body) in [
            (
                Method::GET,
                format!("/messaging/support/tickets/{bad}"),
                None,
            ),
            (
                Method::POST,
                format!("/messaging/support/tickets/{bad}/assign-to-me"),
                Some(json!({})),
            ),
            (
                Method::POST,
                format!("/messaging/support/tickets/{bad}/close"),
                Some(json!({})),
            ),
            (
                Method::GET,
                format!("/messaging/conversations/{bad}/messages"),
                None,
            ),
            (
                Method::POST,
                format!("/messaging/conversations/{bad}/messages"),
                Some(json!({"content": "x"})),
            ),
        ] {
            let r = srv.call(method.clone(), &path, Some(&token), body).await;
            expect(
                &format!("{method} {path}"),
                &r,
                StatusCode::BAD_REQUEST,
                "invalid_id",
            );
        }
    }
    // A well-formed UUID that names nothing is a 404.
    let nobody = uuid::Uuid::now_v7();
    let r = srv
        .get(&format!("/messaging/support/tickets/{nobody}"), &token)
        .await;
    expect("unknown ticket", &r, StatusCode::NOT_FOUND, "not_found");
    let r = srv
        .get(
            &format!("/messaging/conversations/{nobody}/messages"),
            &token,
        )
        .await;
    expect(
        "unknown conversation",
        &r,
        StatusCode::NOT_FOUND,
        "not_found",
    );
});

both_engines!(bodies_over_one_mib_are_413, |srv: Srv| async move {
    let token = srv.login("agent1@demo.test").await;
    let conv = srv.world.ticket.conversation_id;
    let big = "x".repeat(1024 * 1024 + 16);
    let body = serde_json::to_vec(&json!({"content": big})).unwrap();
    for path in [
        format!("/messaging/conversations/{conv}/messages"),
        format!("/messaging/support/tickets/{}/close", srv.world.ticket.id),
        "/sync/v1/mutations".to_owned(),
        "/auth/v1/login".to_owned(),
    ] {
        let r = srv.post_raw(&path, &token, body.clone()).await;
        expect(
            &format!("POST {path} 1 MiB"),
            &r,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        );
    }
    // Just under the limit is read (and then judged on its content: too long a message).
    let content = "y".repeat(1024 * 1024 - 64);
    let r = srv
        .post(
            &format!("/messaging/conversations/{conv}/messages"),
            &token,
            json!({"content": content}),
        )
        .await;
    expect(
        "message content over its own limit",
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let l = srv
        .get(&format!("/messaging/conversations/{conv}/messages"), &token)
        .await;
    assert_eq!(l.body["total"], 0);
});

both_engines!(page_and_limit_bounds_are_422, |srv: Srv| async move {
    let token = srv.login("agent1@demo.test").await;
    let conv = srv.world.ticket.conversation_id;
    for base in [
        "/messaging/support/tickets".to_owned(),
        format!("/messaging/conversations/{conv}/messages"),
    ] {
        for q in [
            "limit=101",
            "limit=0",
            "limit=-1",
            "page=0",
            "page=-3",
            "limit=abc",
            "page=1.5",
            "page=99999999999999999999",
        ] {
            let r = srv.get(&format!("{base}?{q}"), &token).await;
            expect(
                &format!("{base}?{q}"),
                &r,
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
            );
        }
        for q in ["limit=100", "limit=1", "page=1000"] {
            let r = srv.get(&format!("{base}?{q}"), &token).await;
            assert_eq!(r.status, StatusCode::OK, "{base}?{q}: {:?}", r.body);
        }
    }
    for q in [
        "limit=5001",
        "limit=0",
        "limit=x",
        "cursor=garbage",
        "cursor=abc:def",
        "cursor=-1",
    ] {
        let r = srv.get(&format!("/sync/v1/changes?{q}"), &token).await;
        expect(
            &format!("/sync/v1/changes?{q}"),
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        );
    }
    let r = srv.get("/sync/v1/changes?cursor=0123abcd:5", &token).await;
    expect(
        "cursor of another epoch",
        &r,
        StatusCode::GONE,
        "cursor_expired",
    );
    let r = srv
        .get("/messaging/support/tickets?assignment_scope=mine", &token)
        .await;
    expect(
        "assignment_scope",
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let r = srv
        .get("/messaging/support/tickets?status=weird", &token)
        .await;
    expect(
        "status",
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
});

both_engines!(
    unknown_query_parameters_are_400_unknown_field,
    |srv: Srv| async move {
        let token = srv.login("agent1@demo.test").await;
        let conv = srv.world.ticket.conversation_id;
        let t = srv.world.ticket.id;
        for (method, path, body) in [
            (
                Method::GET,
                "/messaging/support/tickets?pagesize=5".to_owned(),
                None,
            ),
            (
                Method::GET,
                format!("/messaging/support/tickets/{t}?expand=all"),
                None,
            ),
            (
                Method::POST,
                format!("/messaging/support/tickets/{t}/assign-to-me?force=true"),
                Some(json!({})),
            ),
            (
                Method::POST,
                format!("/messaging/support/tickets/{t}/close?silent=1"),
                Some(json!({})),
            ),
            (
                Method::GET,
                format!("/messaging/conversations/{conv}/messages?include_internal=true"),
                None,
            ),
            (
                Method::POST,
                format!("/messaging/conversations/{conv}/messages?as_user=x"),
                Some(json!({"content": "x"})),
            ),
            (Method::GET, "/sync/v1/changes?since=0".to_owned(), None),
        ] {
            let r = srv.call(method.clone(), &path, Some(&token), body).await;
            expect(
                &format!("{method} {path}"),
                &r,
                StatusCode::BAD_REQUEST,
                "unknown_field",
            );
        }
        let d = srv
            .get(&format!("/messaging/support/tickets/{t}"), &token)
            .await;
        assert!(
            d.body["assigned_to"].is_null(),
            "the refused claim did nothing"
        );
        assert_eq!(d.body["status"], "new");
    }
);

both_engines!(unknown_routes_and_methods_are_json, |srv: Srv| async move {
    let token = srv.login("agent1@demo.test").await;
    let t = srv.world.ticket.id;
    for path in [
        "/nope",
        "/messaging/support",
        "/messaging/support/tickets/x/y/z",
        "/sync/v2/changes",
        "/auth/v1/login/extra",
    ] {
        let r = srv.get(path, &token).await;
        expect(
            &format!("GET {path}"),
            &r,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        let r = srv.call(Method::GET, path, None, None).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "unauthenticated GET {path}"
        );
        assert_clean_error(path, &r);
    }
    for (method, path) in [
        (Method::DELETE, "/messaging/support/tickets".to_owned()),
        (Method::POST, "/messaging/support/tickets".to_owned()),
        (Method::PUT, format!("/messaging/support/tickets/{t}")),
        (
            Method::GET,
            format!("/messaging/support/tickets/{t}/assign-to-me"),
        ),
        (Method::GET, format!("/messaging/support/tickets/{t}/close")),
        (
            Method::DELETE,
            format!(
                "/messaging/conversations/{}/messages",
                srv.world.ticket.conversation_id
            ),
        ),
        (Method::GET, "/auth/v1/login".to_owned()),
        (Method::POST, "/sync/v1/changes".to_owned()),
        (Method::GET, "/sync/v1/mutations".to_owned()),
    ] {
        let r = srv.call(method.clone(), &path, Some(&token), None).await;
        assert_eq!(
            r.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {:?}",
            r.body
        );
        assert_clean_error(&format!("{method} {path}"), &r);
    }
});

both_engines!(
    authentication_errors_are_clean_json,
    |srv: Srv| async move {
        for (what, auth) in [
            ("no header", None),
            ("garbage token", Some("Bearer opt_garbage")),
            ("basic auth", Some("Basic YWdlbnQxOnBhc3N3b3Jk")),
            ("empty bearer", Some("Bearer ")),
            ("sql in token", Some("Bearer ' OR 1=1 --")),
        ] {
            let mut req = srv.http.get(srv.url("/messaging/support/tickets"));
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let headers = resp.headers().clone();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            let r = Resp {
                status,
                body,
                headers,
            };
            expect(what, &r, StatusCode::UNAUTHORIZED, "unauthenticated");
        }
        let r = srv
            .call(
                Method::POST,
                "/auth/v1/login",
                None,
                Some(json!({"email": "agent1@demo.test", "password": "wrong-one"})),
            )
            .await;
        expect(
            "wrong password",
            &r,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        );
        let r = srv
            .call(
                Method::POST,
                "/auth/v1/login",
                None,
                Some(json!({"email": "not an email", "password": "wrong-one"})),
            )
            .await;
        expect(
            "not an email",
            &r,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        );
    }
);

both_engines!(service_errors_are_clean_json, |srv: Srv| async move {
    // Every refusal a client can provoke in normal use, checked for shape and leaks.
    let agent = srv.login("agent1@demo.test").await;
    let agent2 = srv.login("agent2@demo.test").await;
    let customer = srv.login("customer@demo.test").await;
    let t = srv.world.ticket.id;
    let conv = srv.world.ticket.conversation_id;
    let claim = srv
        .post(
            &format!("/messaging/support/tickets/{t}/assign-to-me"),
            &agent,
            json!({}),
        )
        .await;
    assert_eq!(claim.status, StatusCode::OK);
    let r = srv
        .post(
            &format!("/messaging/support/tickets/{t}/assign-to-me"),
            &agent2,
            json!({}),
        )
        .await;
    expect("lost claim", &r, StatusCode::CONFLICT, "conflict");
    let r = srv.get("/messaging/support/tickets", &customer).await;
    expect("customer on queue", &r, StatusCode::FORBIDDEN, "forbidden");
    let r = srv
        .post(
            &format!("/messaging/conversations/{conv}/messages"),
            &customer,
            json!({"content": ""}),
        )
        .await;
    expect(
        "empty content",
        &r,
        StatusCode::BAD_REQUEST,
        "missing_field",
    );
    let r = srv
        .post(
            &format!("/messaging/conversations/{conv}/messages"),
            &customer,
            json!({"message_type": "html", "content": "<p>x</p>"}),
        )
        .await;
    expect(
        "html",
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let r = srv
        .post(
            "/sync/v1/mutations",
            &agent,
            json!({"client_id": uuid::Uuid::now_v7(), "mutations": [
        {"seq": 2, "id": uuid::Uuid::now_v7(), "name": "ticket.claim", "args": {"ticket_id": t}},
        {"seq": 1, "id": uuid::Uuid::now_v7(), "name": "ticket.claim", "args": {"ticket_id": t}}]}),
        )
        .await;
    expect(
        "seq backwards",
        &r,
        StatusCode::BAD_REQUEST,
        "sequence_error",
    );
    let close = srv
        .post(
            &format!("/messaging/support/tickets/{t}/close"),
            &agent,
            json!({}),
        )
        .await;
    assert_eq!(close.status, StatusCode::OK);
    let r = srv
        .post(
            &format!("/messaging/conversations/{conv}/messages"),
            &customer,
            json!({"content": "late"}),
        )
        .await;
    expect(
        "closed conversation",
        &r,
        StatusCode::FORBIDDEN,
        "conversation_not_active",
    );
    let r = srv
        .post(
            &format!("/messaging/support/tickets/{t}/assign-to-me"),
            &agent2,
            json!({}),
        )
        .await;
    assert!(
        r.status == StatusCode::CONFLICT,
        "claiming a closed ticket: {:?}",
        r.body
    );
    assert_clean_error("claim closed", &r);
});
