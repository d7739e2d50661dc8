//! Seed 002: `/api/v1/tickets`, the workspace's chat tickets, exactly as documented:
//! every field of the details, every filter of the list, the writes, the API key in
//! the `authorization` header, and the same tickets through the other APIs and sync.

use crate::both_engines;
use crate::support::*;
use outpost_domain::*;
use outpost_server::auth::Scope;
use outpost_server::service::{admin, auth};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const DETAILS_FIELDS: &[&str] = &[
    "assigneeEmail",
    "assigneeId",
    "assigneeName",
    "assigneePicture",
    "channelId",
    "channelName",
    "channelType",
    "chatId",
    "chatIsRemoved",
    "chatOwnerId",
    "completedAt",
    "createdAt",
    "id",
    "isOwnerBlocked",
    "ongoingAt",
    "ownerEmail",
    "ownerEntity",
    "ownerIdentifier",
    "ownerName",
    "pendingChatMessages",
    "responderEntity",
    "responderId",
    "responderName",
    "responderPicture",
    "responderVersionId",
    "responderVersionNumber",
    "status",
    "summary",
    "ticketingTeamId",
    "ticketingTeamName",
    "ticketingTeamPicture",
    "workspaceId",
];

const TICKET_FIELDS: &[&str] = &[
    "createdAt",
    "id",
    "updatedAt",
    "assigneeId",
    "chatId",
    "circumstance",
    "completedAt",
    "lastViewedAt",
    "ongoingAt",
    "status",
    "summary",
    "ticketingTeamId",
];

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// What a workspace has besides the shared world: a bot with a published version, a
/// team, a tag, a channel, and API keys.
struct Ws {
    bot: User,
    version: ResponderVersion,
    team: Team,
    tag: Tag,
    /// The admin's key, both scopes.
    key: String,
    /// The bot's key, both scopes.
    bot_key: String,
    /// agent1's key, read only.
    read_key: String,
}

async fn workspace(srv: &Srv) -> Ws {
    let t = srv.world.tenant.id;
    let bot = admin::create_user(
        &srv.db,
        t,
        &admin::UserSpec {
            email: "bot@demo.test",
            name: "Demo Assistant",
            role: Role::Bot,
            password: None,
            elevated: false,
            support: false,
        },
    )
    .await
    .unwrap();
    let mut support: Vec<UserId> = admin::list_users(&srv.db, t)
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.support)
        .map(|u| u.id)
        .collect();
    support.push(bot.id);
    admin::set_support_users(&srv.db, t, &support)
        .await
        .unwrap();
    admin::publish_responder_version(&srv.db, t, bot.id)
        .await
        .unwrap();
    let version = admin::publish_responder_version(&srv.db, t, bot.id)
        .await
        .unwrap();
    let team = admin::create_team(&srv.db, t, "Billing", &[srv.world.agent1.id])
        .await
        .unwrap();
    let tag = admin::create_tag(&srv.db, t, "vip").await.unwrap();
    let both = [Scope::TicketsRead, Scope::TicketsWrite];
    let key = auth::create_api_key(&srv.db, t, srv.world.admin.id, "tool", &both)
        .await
        .unwrap();
    let bot_key = auth::create_api_key(&srv.db, t, bot.id, "bot", &both)
        .await
        .unwrap();
    let read_key = auth::create_api_key(
        &srv.db,
        t,
        srv.world.agent1.id,
        "reports",
        &[Scope::TicketsRead],
    )
    .await
    .unwrap();
    Ws {
        bot,
        version,
        team,
        tag,
        key,
        bot_key,
        read_key,
    }
}

/// A request with the key itself in `authorization`, as the seed documents.
async fn call(srv: &Srv, method: Method, path: &str, key: &str, body: Option<Value>) -> Resp {
    let mut req = srv
        .http
        .request(method, srv.url(path))
        .header("authorization", key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("request sent");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    Resp {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    }
}

async fn get_ok(srv: &Srv, path: &str, key: &str) -> Resp {
    let r = call(srv, Method::GET, path, key, None).await;
    assert_eq!(r.status, StatusCode::OK, "GET {path}: {:?}", r.body);
    r
}

async fn details(srv: &Srv, key: &str, id: impl std::fmt::Display) -> Value {
    get_ok(srv, &format!("/api/v1/tickets/{id}/details"), key)
        .await
        .body
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("an array: {list}"))
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn create(srv: &Srv, key: &str, body: Value) -> Resp {
    call(srv, Method::POST, "/api/v1/tickets", key, Some(body)).await
}

async fn patch(srv: &Srv, key: &str, path: &str, body: Value) -> Resp {
    call(srv, Method::PATCH, path, key, Some(body)).await
}

both_engines!(details_carry_every_seed_field, |srv: Srv| async move {
    let ws = workspace(&srv).await;
    let w = &srv.world;
    let d = details(&srv, &ws.key, w.ticket.id).await;
    assert_eq!(keys(&d), set(DETAILS_FIELDS), "exactly the seed's fields");
    assert_eq!(d["id"], w.ticket.id.to_string());
    assert_eq!(d["chatId"], w.ticket.conversation_id.to_string());
    assert_eq!(d["chatOwnerId"], w.customer.id.to_string());
    assert_eq!(d["workspaceId"], w.tenant.id.to_string());
    assert_eq!(d["status"], "ongoing");
    assert_eq!(
        d["summary"], "Order #1001 arrived damaged",
        "the subject stands in"
    );
    assert_eq!(d["chatIsRemoved"], false);
    // A customer owns it: an external user, known by an identifier, maybe blocked.
    assert_eq!(d["ownerEntity"], "external_user");
    assert_eq!(d["ownerIdentifier"], "customer@demo.test");
    assert!(d["ownerEmail"].is_null());
    assert_eq!(d["ownerName"], w.customer.name);
    assert_eq!(d["isOwnerBlocked"], false);
    // Nobody answers a new portal ticket yet; it came through no configured channel.
    for f in [
        "assigneeId",
        "assigneeEmail",
        "responderId",
        "responderEntity",
        "completedAt",
    ] {
        assert!(d[f].is_null(), "{f}: {d}");
    }
    assert_eq!(d["channelType"], "customer_portal");
    assert!(d["channelId"].is_null() && d["channelName"].is_null());
    assert_eq!(d["pendingChatMessages"], 0);

    // Blocking the owner shows; a takeover by the bot's human colleague shows the
    // responder; a team shows its name.
    admin::set_blocked(&srv.db, w.tenant.id, w.customer.id, true)
        .await
        .unwrap();
    let path = format!("/api/v1/tickets/{}/takeover", w.ticket.id);
    let r = patch(&srv, &ws.key, &path, json!({"assigneeId": w.agent1.id})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let d = details(&srv, &ws.key, w.ticket.id).await;
    assert_eq!(d["isOwnerBlocked"], true);
    assert_eq!(d["responderEntity"], "user");
    assert_eq!(d["responderId"], w.agent1.id.to_string());
    assert_eq!(d["responderName"], w.agent1.name);
    assert_eq!(d["assigneeEmail"], "agent1@demo.test");
    assert!(d["ongoingAt"].is_string(), "taking over opens it: {d}");
    assert!(d["responderVersionId"].is_null(), "people have no versions");
    let _ = ws.team;
});

both_engines!(
    the_key_goes_in_authorization_bare_or_as_bearer,
    |srv: Srv| async move {
        let ws = workspace(&srv).await;
        let path = format!("/api/v1/tickets/{}/details", srv.world.ticket.id);
        get_ok(&srv, &path, &ws.key).await;
        get_ok(&srv, &path, &format!("Bearer {}", ws.key)).await;
        let r = srv.http.get(srv.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "no key");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "unauthenticated");
        let r = call(&srv, Method::GET, &path, "not-a-key", None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        // A read-only key reads and may not write.
        get_ok(&srv, &path, &ws.read_key).await;
        let r = patch(
            &srv,
            &ws.read_key,
            &format!("/api/v1/tickets/{}/assignee", srv.world.ticket.id),
            json!({"assigneeId": srv.world.agent1.id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
        assert_eq!(r.code(), "forbidden");
    }
);

both_engines!(
    another_workspaces_ids_are_not_found,
    |srv: Srv| async move {
        let ws = workspace(&srv).await;
        let w = &srv.world;
        let r = call(
            &srv,
            Method::GET,
            &format!("/api/v1/tickets/{}/details", w.foreign_ticket.id),
            &ws.key,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
        assert!(
            !r.body.to_string().contains("Acme"),
            "no data leaks: {}",
            r.body
        );
        let r = patch(
            &srv,
            &ws.key,
            &format!("/api/v1/tickets/{}/assignee", w.ticket.id),
            json!({"assigneeId": w.foreign_agent.id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
        let r = call(
            &srv,
            Method::POST,
            &format!("/api/v1/tickets/{}/tags", w.foreign_ticket.id),
            &ws.key,
            Some(json!({"tagId": ws.tag.id})),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    }
);

both_engines!(list_errors_name_the_parameter, |srv: Srv| async move {
    let ws = workspace(&srv).await;
    let list = |q: &'static str| {
        let srv = srv.clone();
        let key = ws.key.clone();
        async move {
            call(
                &srv,
                Method::GET,
                &format!("/api/v1/tickets/details{q}"),
                &key,
                None,
            )
            .await
        }
    };
    let r = list("").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("ongoing or completed")
    );
    let r = list("?status=open").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("ongoing, completed")
    );
    for (q, status) in [
        (
            "?status=ongoing&pageSize=0",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "?status=ongoing&pageSize=101",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "?status=ongoing&pageNumber=0",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "?status=ongoing&pageNumber=x",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "?status=ongoing&assigneeIds=nope",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "?status=ongoing&includeRemoved=maybe",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("?status=ongoing&page=2", StatusCode::BAD_REQUEST),
    ] {
        let r = list(q).await;
        assert_eq!(r.status, status, "{q}: {:?}", r.body);
        assert!(r.body["code"].is_string(), "{q}: a stable code");
    }
    let r = list("?status=ongoing&page=2").await;
    assert_eq!(r.code(), "unknown_field");
    let r = list("?status=ongoing&pageSize=100").await;
    assert_eq!(r.status, StatusCode::OK);
});

both_engines!(every_list_filter_filters, |srv: Srv| async move {
    let ws = workspace(&srv).await;
    let w = &srv.world;
    let agent = srv.login("agent1@demo.test").await;
    let portal = create_ticket(
        &srv.db,
        w.tenant.id,
        &w.customer2,
        "Refund for order 77",
        None,
    )
    .await;
    // The bot opens a ticket for a new chat (handover) and agent2 holds another.
    let chat = uuid::Uuid::now_v7();
    let r = create(
        &srv,
        &ws.bot_key,
        json!({"chatId": chat, "ticketingTeamId": ws.team.id, "assigneeId": w.agent2.id, "status": "ongoing"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let bot_ticket = r.body["id"].as_str().unwrap().to_owned();
    let r = call(
        &srv,
        Method::POST,
        &format!("/api/v1/tickets/{}/tags", portal.id),
        &ws.key,
        Some(json!({"tagId": ws.tag.id})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    srv.set_status(&agent, portal.id, "solved").await;

    let q = |query: String| {
        let srv = srv.clone();
        let key = ws.key.clone();
        async move {
            ids(
                &get_ok(&srv, &format!("/api/v1/tickets/details?{query}"), &key)
                    .await
                    .body,
            )
        }
    };
    let (first, portal_id) = (w.ticket.id.to_string(), portal.id.to_string());
    assert_eq!(
        q("status=ongoing".into()).await,
        [first.as_str(), bot_ticket.as_str()]
    );
    assert_eq!(q("status=completed".into()).await, [portal_id.as_str()]);
    assert_eq!(
        q(format!("status=ongoing&assigneeIds={}", w.agent2.id)).await,
        [bot_ticket.as_str()]
    );
    assert_eq!(
        q(format!(
            "status=ongoing&assigneeIds={}&assigneeIds={}",
            w.agent2.id, w.agent1.id
        ))
        .await,
        [bot_ticket.as_str()],
        "a repeated list matches any of its values"
    );
    assert_eq!(
        q(format!("status=ongoing&chatIds={chat}")).await,
        [bot_ticket.as_str()]
    );
    assert_eq!(
        q(format!("status=ongoing&responderIds={}", ws.bot.id)).await,
        [bot_ticket.as_str()]
    );
    assert_eq!(
        q(format!(
            "status=ongoing&responderVersionIds={}",
            ws.version.id
        ))
        .await,
        [bot_ticket.as_str()],
        "the bot's latest version answers the chat"
    );
    assert_eq!(
        q(format!("status=completed&tagIds={}", ws.tag.id)).await,
        [portal_id.as_str()]
    );
    assert!(
        q(format!("status=ongoing&tagIds={}", ws.tag.id))
            .await
            .is_empty()
    );
    assert_eq!(
        q("status=completed&search=REFUND".into()).await,
        [portal_id.as_str()]
    );
    assert_eq!(
        q("status=ongoing&search=damaged".into()).await,
        [first.as_str()]
    );
    // Removed chats leave the list unless asked for.
    admin::set_ticket_removed(&srv.db, w.tenant.id, w.ticket.number, true)
        .await
        .unwrap();
    assert_eq!(q("status=ongoing".into()).await, [bot_ticket.as_str()]);
    assert_eq!(
        q("status=ongoing&includeRemoved=true".into()).await,
        [first.as_str(), bot_ticket.as_str()]
    );
    let d = details(&srv, &ws.key, w.ticket.id).await;
    assert_eq!(d["chatIsRemoved"], true);
    let bot_d = details(&srv, &ws.key, &bot_ticket).await;
    assert_eq!(bot_d["responderEntity"], "bot");
    assert_eq!(bot_d["responderVersionNumber"], 2);
    assert_eq!(bot_d["responderVersionId"], ws.version.id.to_string());
    assert_eq!(bot_d["ticketingTeamName"], "Billing");
});

both_engines!(pages_are_stable_and_complete, |srv: Srv| async move {
    let ws = workspace(&srv).await;
    let w = &srv.world;
    for i in 0..24 {
        create_ticket(
            &srv.db,
            w.tenant.id,
            &w.customer2,
            &format!("Question {i}"),
            None,
        )
        .await;
    }
    let page = |n: i64| {
        let srv = srv.clone();
        let key = ws.key.clone();
        async move {
            get_ok(
                &srv,
                &format!("/api/v1/tickets/details?status=ongoing&pageSize=10&pageNumber={n}"),
                &key,
            )
            .await
        }
    };
    let p1 = page(1).await;
    assert_eq!(p1.headers["x-total-count"], "25");
    assert_eq!(p1.headers["x-page-size"], "10");
    let link = p1.headers["link"].to_str().unwrap();
    assert!(
        link.contains("pageNumber=2") && link.contains("rel=\"next\""),
        "{link}"
    );
    let mut seen = ids(&p1.body);
    // A ticket that arrives mid-walk joins the end, not the page already read.
    let late = create_ticket(&srv.db, w.tenant.id, &w.customer2, "Arrived late", None).await;
    seen.extend(ids(&page(2).await.body));
    let p3 = page(3).await;
    seen.extend(ids(&p3.body));
    assert_eq!(
        seen.len(),
        26,
        "25 at the start and the late one, each once"
    );
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no repeats");
    assert_eq!(seen.last().unwrap(), &late.id.to_string());
    assert!(ids(&page(4).await.body).is_empty());
});

both_engines!(create_opens_a_ticket_for_a_chat, |srv: Srv| async move {
    let ws = workspace(&srv).await;
    let w = &srv.world;
    let chat = uuid::Uuid::now_v7();
    let body = json!({"chatId": chat, "ticketingTeamId": null, "assigneeId": w.agent1.id, "status": "ongoing"});
    let r = create(&srv, &ws.key, body.clone()).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the seed answers 200: {:?}",
        r.body
    );
    assert_eq!(keys(&r.body), set(TICKET_FIELDS));
    let t = &r.body;
    assert_eq!(t["chatId"], chat.to_string());
    assert_eq!(t["assigneeId"], w.agent1.id.to_string());
    assert_eq!(t["circumstance"], "takeover", "a person opened it");
    assert_eq!(t["status"], "ongoing");
    assert!(t["ongoingAt"].is_string() && t["completedAt"].is_null());
    assert!(t["ticketingTeamId"].is_null() && t["lastViewedAt"].is_null());
    let id = t["id"].as_str().unwrap().to_owned();

    // One ongoing ticket per chat.
    let r = create(&srv, &ws.key, body.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains(&id));

    // Completed, the chat may get a ticket again: the same one, ongoing again.
    let r = patch(
        &srv,
        &ws.key,
        &format!("/api/v1/tickets/{id}/complete"),
        json!({"userId": w.agent1.id}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["status"], "completed");
    assert!(r.body["completedAt"].is_string());
    let r = create(&srv, &ws.key, body).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["id"], id);
    assert_eq!(r.body["status"], "ongoing");
    assert!(r.body["completedAt"].is_null());

    // Created completed; the bot's handover.
    let r = create(
        &srv,
        &ws.bot_key,
        json!({"chatId": uuid::Uuid::now_v7(), "ticketingTeamId": ws.team.id, "assigneeId": w.agent2.id, "status": "completed"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.body["circumstance"], "handover");
    assert_eq!(r.body["ticketingTeamId"], ws.team.id.to_string());

    // Bad bodies.
    for (bad, status) in [
        (
            json!({"chatId": "x", "ticketingTeamId": null, "assigneeId": w.agent1.id, "status": "ongoing"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"chatId": chat, "assigneeId": w.agent1.id, "status": "ongoing"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"chatId": chat, "ticketingTeamId": null, "assigneeId": w.agent1.id, "status": "done"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"chatId": chat, "ticketingTeamId": null, "assigneeId": w.agent1.id, "status": "ongoing", "extra": 1}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"chatId": uuid::Uuid::now_v7(), "ticketingTeamId": null, "assigneeId": w.customer.id, "status": "ongoing"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"chatId": uuid::Uuid::now_v7(), "ticketingTeamId": uuid::Uuid::now_v7(), "assigneeId": w.agent1.id, "status": "ongoing"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let r = create(&srv, &ws.key, bad.clone()).await;
        assert_eq!(r.status, status, "{bad}: {:?}", r.body);
        assert!(r.body["code"].is_string());
    }
    let r = call(&srv, Method::POST, "/api/v1/tickets", &ws.key, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no body: {:?}", r.body);
});

both_engines!(
    complete_takeover_and_assignee_are_audited,
    |srv: Srv| async move {
        let ws = workspace(&srv).await;
        let w = &srv.world;
        let agent = srv.login("agent1@demo.test").await;
        let base = format!("/api/v1/tickets/{}", w.ticket.id);
        // The bot answers the chat until agent2 takes it over.
        let r = patch(
            &srv,
            &ws.bot_key,
            &format!("{base}/takeover"),
            json!({"assigneeId": w.agent2.id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["circumstance"], "takeover");
        assert_eq!(r.body["assigneeId"], w.agent2.id.to_string());
        assert_eq!(r.body["status"], "ongoing");
        // Someone else taking it over now is a conflict naming the holder.
        let r = patch(
            &srv,
            &ws.key,
            &format!("{base}/takeover"),
            json!({"assigneeId": w.agent1.id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .contains("agent2@demo.test")
        );
        // Reassigning is allowed.
        let r = patch(
            &srv,
            &ws.key,
            &format!("{base}/assignee"),
            json!({"assigneeId": w.agent1.id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["assigneeId"], w.agent1.id.to_string());
        // Completing on behalf of agent1 solves it and records agent1 in the history.
        let r = patch(
            &srv,
            &ws.key,
            &format!("{base}/complete"),
            json!({"userId": w.agent1.id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["status"], "completed");
        let seed001 = srv
            .get(&format!("/api/v1/support/tickets/{}", w.ticket.id), &agent)
            .await;
        let history = seed001.body["history"].as_array().unwrap();
        let status = history
            .iter()
            .rev()
            .find(|h| h["field_changed"] == "status")
            .expect("a status change");
        assert_eq!(status["new_value"], "resolved");
        assert_eq!(status["changed_by_email"], "agent1@demo.test");
        assert!(history.iter().any(|h| h["field_changed"] == "assigned_to"));
        // Completing again changes nothing; a closed ticket stays closed.
        let again = patch(
            &srv,
            &ws.key,
            &format!("{base}/complete"),
            json!({"userId": w.agent1.id}),
        )
        .await;
        assert_eq!(again.body["updatedAt"], r.body["updatedAt"]);
        srv.post(
            &format!("/messaging/support/tickets/{}/close", w.ticket.id),
            &agent,
            json!({}),
        )
        .await;
        let closed = patch(
            &srv,
            &ws.key,
            &format!("{base}/complete"),
            json!({"userId": w.agent1.id}),
        )
        .await;
        assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);
        assert_eq!(closed.body["status"], "completed");
        let sync = srv.get("/sync/v1/changes", &agent).await;
        let t = sync.body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["entity"] == "ticket" && c["data"]["id"] == w.ticket.id.to_string())
            .expect("the ticket in the feed");
        assert_eq!(
            t["data"]["status"], "closed",
            "completing a closed ticket leaves it closed"
        );
        // A userId that is not staff, or not in the workspace.
        let r = patch(
            &srv,
            &ws.key,
            &format!("{base}/complete"),
            json!({"userId": w.customer.id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
        let r = patch(
            &srv,
            &ws.key,
            &format!("{base}/complete"),
            json!({"userId": "nope"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
        let r = patch(
            &srv,
            &ws.key,
            "/api/v1/tickets/nope/complete",
            json!({"userId": w.agent1.id}),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    }
);

both_engines!(tags_by_id_add_and_remove, |srv: Srv| async move {
    let ws = workspace(&srv).await;
    let w = &srv.world;
    let path = format!("/api/v1/tickets/{}/tags", w.ticket.id);
    let r = call(
        &srv,
        Method::POST,
        &path,
        &ws.key,
        Some(json!({"tagId": ws.tag.id})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        keys(&r.body),
        set(&["createdAt", "updatedAt", "tagId", "ticketId"])
    );
    assert_eq!(r.body["tagId"], ws.tag.id.to_string());
    assert_eq!(r.body["ticketId"], w.ticket.id.to_string());
    let again = call(
        &srv,
        Method::POST,
        &path,
        &ws.key,
        Some(json!({"tagId": ws.tag.id})),
    )
    .await;
    assert_eq!(
        again.body["createdAt"], r.body["createdAt"],
        "the same link"
    );
    // The tag shows through seed 000 and the sync feed by name.
    let agent = srv.login("agent1@demo.test").await;
    let q = srv
        .get(
            &format!("/messaging/support/tickets/{}", w.ticket.id),
            &agent,
        )
        .await;
    assert!(q.body.to_string().contains("vip"), "{:?}", q.body);
    let del = format!("{path}/{}", ws.tag.id);
    let r = call(&srv, Method::DELETE, &del, &ws.key, None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(keys(&r.body), set(&["message"]));
    let r2 = call(&srv, Method::DELETE, &del, &ws.key, None).await;
    assert_eq!(r2.status, StatusCode::OK);
    assert_ne!(
        r.body["message"], r2.body["message"],
        "the message says nothing changed"
    );
    let unknown = call(
        &srv,
        Method::POST,
        &path,
        &ws.key,
        Some(json!({"tagId": uuid::Uuid::now_v7()})),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{:?}", unknown.body);
    let bad = call(&srv, Method::DELETE, &format!("{path}/nope"), &ws.key, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{:?}", bad.body);
});

both_engines!(
    changes_made_elsewhere_show_here_and_back,
    |srv: Srv| async move {
        let ws = workspace(&srv).await;
        let w = &srv.world;
        let agent = srv.login("agent1@demo.test").await;
        // A claim through seed 000 is an assignee here.
        let r = srv
            .post(
                &format!("/messaging/support/tickets/{}/assign-to-me", w.ticket.id),
                &agent,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let d = details(&srv, &ws.key, w.ticket.id).await;
        assert_eq!(d["assigneeId"], w.agent1.id.to_string());
        assert_eq!(d["responderEntity"], "user", "the assignee answers");
        // A ticket opened here is in seed 001 and in the sync feed, with its circumstance.
        let r = create(
        &srv,
        &ws.bot_key,
        json!({"chatId": uuid::Uuid::now_v7(), "ticketingTeamId": null, "assigneeId": w.agent2.id, "status": "ongoing"}),
    )
    .await;
        let id = r.body["id"].as_str().unwrap().to_owned();
        let s1 = srv
            .get(&format!("/api/v1/support/tickets/{id}"), &agent)
            .await;
        assert_eq!(s1.status, StatusCode::OK, "{:?}", s1.body);
        assert_eq!(s1.body["ticket"]["status"], "in_progress");
        let feed = srv.get("/sync/v1/changes", &agent).await;
        let t = feed.body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["entity"] == "ticket" && c["data"]["id"] == id)
            .expect("in the feed");
        assert_eq!(t["data"]["circumstance"], "handover");
        assert_eq!(t["data"]["responder_id"], ws.bot.id.to_string());
        assert_eq!(t["data"]["responder_version"]["number"], 2);
        // The desktop app's "Take over from bot" (sync `ticket.takeover`) is a takeover here.
        let agent2 = srv.login("agent2@demo.test").await;
        let r = srv
        .post(
            "/sync/v1/mutations",
            &agent2,
            json!({"client_id": uuid::Uuid::now_v7(), "mutations": [
                {"seq": 1, "id": uuid::Uuid::now_v7(), "name": "ticket.takeover", "args": {"ticket_id": id}}]}),
        )
        .await;
        assert_eq!(r.body["results"][0]["status"], "applied", "{:?}", r.body);
        let d = details(&srv, &ws.key, &id).await;
        assert_eq!(d["responderEntity"], "user");
        assert_eq!(d["responderId"], w.agent2.id.to_string());
        assert!(d["responderVersionId"].is_null());
        // The assignee reading the chat is their last view of the ticket.
        let conv = w.ticket.conversation_id;
        let customer = srv.login("customer@demo.test").await;
        let r = srv
            .post(
                &format!("/messaging/conversations/{conv}/messages"),
                &customer,
                json!({"message_type": "text", "content": "Any news?"}),
            )
            .await;
        assert!(r.status.is_success(), "{:?}", r.body);
        let path = format!("/api/v1/tickets/{}/assignee", w.ticket.id);
        let before = patch(&srv, &ws.key, &path, json!({"assigneeId": w.agent1.id})).await;
        assert!(before.body["lastViewedAt"].is_null(), "{:?}", before.body);
        let r = srv
            .get(&format!("/messaging/conversations/{conv}/messages"), &agent)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let after = patch(&srv, &ws.key, &path, json!({"assigneeId": w.agent1.id})).await;
        assert!(after.body["lastViewedAt"].is_string(), "{:?}", after.body);
        let d = details(&srv, &ws.key, w.ticket.id).await;
        assert_eq!(d["pendingChatMessages"], 1, "the customer's message waits");
    }
);
