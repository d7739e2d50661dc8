use crate::both_engines;
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

both_engines!(
    login_returns_bearer_token_and_me_resolves_it,
    |srv: Srv| async move {
        let r = srv
            .call(
                Method::POST,
                "/auth/v1/login",
                None,
                Some(json!({"email": "Agent1@Demo.test", "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["token_type"], "Bearer");
        assert_eq!(r.body["tenant_id"], srv.world.tenant.id.to_string());
        assert_eq!(
            r.body["user"]["email"], "agent1@demo.test",
            "email is normalized"
        );
        assert!(r.body["expires_at"].is_string());
        let token = r.body["access_token"].as_str().unwrap();
        let me = srv.get("/auth/v1/me", token).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.body["user"]["id"], srv.world.agent1.id.to_string());
        assert_eq!(me.body["tenant"]["slug"], "demo");
    }
);

both_engines!(
    wrong_password_and_unknown_email_look_the_same,
    |srv: Srv| async move {
        let wrong = srv
            .call(
                Method::POST,
                "/auth/v1/login",
                None,
                Some(json!({"email": "agent1@demo.test", "password": "nope-nope"})),
            )
            .await;
        let unknown = srv
            .call(
                Method::POST,
                "/auth/v1/login",
                None,
                Some(json!({"email": "ghost@demo.test", "password": "nope-nope"})),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            wrong.body, unknown.body,
            "must not reveal which accounts exist"
        );
        assert_eq!(wrong.code(), "invalid_credentials");
    }
);

both_engines!(logout_revokes_the_token, |srv: Srv| async move {
    let token = srv.login("agent1@demo.test").await;
    let out = srv
        .call(Method::POST, "/auth/v1/logout", Some(&token), None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let me = srv.get("/auth/v1/me", &token).await;
    assert_eq!(
        me.status,
        StatusCode::UNAUTHORIZED,
        "a revoked token must not work"
    );
    assert_eq!(me.code(), "unauthenticated");
});

both_engines!(
    missing_or_garbage_token_is_401_with_json,
    |srv: Srv| async move {
        let none = srv
            .call(Method::GET, "/messaging/support/tickets", None, None)
            .await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED);
        assert_eq!(none.code(), "unauthenticated");
        assert_eq!(none.headers.get("www-authenticate").unwrap(), "Bearer");
        let garbage = srv
            .get("/messaging/support/tickets", "opt_not-a-real-token")
            .await;
        assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);
    }
);

both_engines!(email_in_two_tenants_needs_a_tenant, |srv: Srv| async move {
    use outpost_server::service::admin::{UserSpec, create_user};
    for t in [srv.world.tenant.id, srv.world.other_tenant.id] {
        create_user(
            &srv.db,
            t,
            &UserSpec {
                email: "shared@example.test",
                name: "Shared",
                role: outpost_domain::Role::Agent,
                password: Some(PASSWORD),
                elevated: false,
                support: true,
            },
        )
        .await
        .unwrap();
    }
    let r = srv
        .call(
            Method::POST,
            "/auth/v1/login",
            None,
            Some(json!({"email": "shared@example.test", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "tenant_required");
    assert_eq!(r.body["details"]["tenants"], json!(["acme", "demo"]));
    let r = srv
        .call(
            Method::POST,
            "/auth/v1/login",
            None,
            Some(json!({"email": "shared@example.test", "password": PASSWORD, "tenant": "acme"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["tenant_id"], srv.world.other_tenant.id.to_string());
});

both_engines!(login_is_rate_limited_per_account, |srv: Srv| async move {
    let mut last = None;
    for _ in 0..12 {
        let r = srv
            .call(
                Method::POST,
                "/auth/v1/login",
                None,
                Some(json!({"email": "agent2@demo.test", "password": "wrong-password"})),
            )
            .await;
        last = Some(r);
    }
    let r = last.unwrap();
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", r.body);
    assert_eq!(r.code(), "rate_limited");
    let wait: u64 = r
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
});
