//! Seed 004: `/api/admin/tickets/`, the 29next admin list, as its integrator uses it:
//! the version header, bearer scopes, every filter alone and together, cursor walks
//! forwards and back, integer ids, comments with internal notes and attachments whose
//! files download, and the same tickets written through the other APIs.

use crate::both_engines;
use crate::support::*;
use outpost_domain::*;
use outpost_server::auth::Scope;
use outpost_server::service::{admin, auth};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};

const LIST: &str = "/api/admin/tickets/";

const TICKET_FIELDS: &[&str] = &[
    "assignee",
    "channel",
    "comments",
    "created_at",
    "from_email",
    "id",
    "order",
    "priority",
    "products",
    "requester",
    "status",
    "subject",
    "tags",
    "ticket_type",
    "updated_at",
];
const COMMENT_FIELDS: &[&str] = &[
    "attachments",
    "author",
    "body",
    "created_at",
    "from_email",
    "id",
    "is_public",
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

/// GET with the version header and a bearer token; `url` is a path or an absolute URL.
async fn get(srv: &Srv, url: &str, token: Option<&str>, version: Option<&str>) -> Resp {
    let url = if url.starts_with("http") {
        url.to_owned()
    } else {
        srv.url(url)
    };
    let mut req = srv.http.request(Method::GET, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(v) = version {
        req = req.header("X-29next-API-Version", v);
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

async fn page(srv: &Srv, url: &str, token: &str) -> Value {
    let r = get(srv, url, Some(token), Some("unstable")).await;
    assert_eq!(r.status, StatusCode::OK, "{url}: {:?}", r.body);
    r.body
}

/// Every ticket id of a filtered walk along `next`.
async fn walk(srv: &Srv, query: &str, token: &str) -> Vec<i64> {
    let mut url = format!("{LIST}?{query}");
    let mut ids = Vec::new();
    loop {
        let p = page(srv, &url, token).await;
        ids.extend(
            p["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap()),
        );
        match p["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => return ids,
        }
    }
}

fn batch(mutations: &[(&str, Value)]) -> Value {
    let ms: Vec<Value> = mutations
        .iter()
        .enumerate()
        .map(|(i, (name, args))| json!({"seq": i + 1, "id": uuid::Uuid::now_v7(), "name": name, "args": args}))
        .collect();
    json!({"client_id": uuid::Uuid::now_v7(), "mutations": ms})
}

async fn upload(srv: &Srv, token: &str, name: &str, bytes: &[u8]) -> Resp {
    let resp = srv
        .http
        .post(srv.url(&format!("/files/v1?name={name}")))
        .bearer_auth(token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap_or(Value::Null);
    Resp {
        status,
        body,
        headers,
    }
}

async fn download(
    srv: &Srv,
    url: &str,
    token: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let url = if url.starts_with("http") {
        url.to_owned()
    } else {
        srv.url(url)
    };
    let resp = srv.http.get(url).bearer_auth(token).send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

both_engines!(version_header_auth_and_scopes, |srv: Srv| async move {
    let t = srv.world.tenant.id;
    let admin_token = srv.login("admin@demo.test").await;
    let r = get(&srv, LIST, Some(&admin_token), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("X-29next-API-Version"),
        "{:?}",
        r.body
    );
    let r = get(&srv, LIST, Some(&admin_token), Some("2024-04-01")).await;
    assert_eq!(r.status.as_u16(), 422, "{:?}", r.body);
    assert!(
        r.body["message"].as_str().unwrap().contains("unstable"),
        "{:?}",
        r.body
    );
    let r = get(&srv, LIST, None, Some("unstable")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.body);
    let r = get(&srv, LIST, Some("opt_not-a-token"), Some("unstable")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.body);
    let write_only =
        auth::create_api_key(&srv.db, t, srv.world.admin.id, "w", &[Scope::TicketsWrite])
            .await
            .unwrap();
    let r = get(&srv, LIST, Some(&write_only), Some("unstable")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert!(
        r.body["message"].as_str().unwrap().contains("tickets:read"),
        "{:?}",
        r.body
    );
    let read_only =
        auth::create_api_key(&srv.db, t, srv.world.admin.id, "r", &[Scope::TicketsRead])
            .await
            .unwrap();
    let p = page(&srv, LIST, &read_only).await;
    assert_eq!(keys(&p), set(&["next", "previous", "results"]));
    let customer = srv.login("customer@demo.test").await;
    let r = get(&srv, LIST, Some(&customer), Some("unstable")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    for (query, param) in [
        ("status=hold", "status"),
        ("priority=urgent", "priority"),
        ("id=x", "id"),
        ("created_from=yesterday", "created_from"),
    ] {
        let r = get(
            &srv,
            &format!("{LIST}?{query}"),
            Some(&read_only),
            Some("unstable"),
        )
        .await;
        assert_eq!(r.status.as_u16(), 422, "{query}: {:?}", r.body);
        assert!(
            r.body["message"].as_str().unwrap().contains(param),
            "{query}: {:?}",
            r.body
        );
    }
    let r = get(
        &srv,
        &format!("{LIST}?page=2"),
        Some(&read_only),
        Some("unstable"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(r.code(), "unknown_field");
});

both_engines!(fields_comments_and_attachments, |srv: Srv| async move {
    let w = &srv.world;
    let agent = srv.login("agent1@demo.test").await;
    let customer = srv.login("customer@demo.test").await;
    let ticket = w.ticket.id;
    let file = upload(&srv, &agent, "../../label.png", PNG).await;
    assert_eq!(file.status, StatusCode::CREATED, "{:?}", file.body);
    assert_eq!(file.body["name"], "label.png");
    assert_eq!(file.body["mime"], "image/png");
    let note = upload(&srv, &agent, "notes.txt", b"internal only").await;
    let r = srv
        .post(
            "/sync/v1/mutations",
            &agent,
            batch(&[
                ("ticket.claim", json!({"ticket_id": ticket})),
                ("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": ticket, "content": "Here is your label", "message_type": "image", "attachments": [{"name": "x", "url": file.body["url"], "size": 1, "mime": "text/html"}]})),
                ("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": ticket, "content": "check the warehouse", "internal": true, "attachments": [{"name": "notes.txt", "url": note.body["url"], "size": 0, "mime": "x"}]})),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    for res in r.body["results"].as_array().unwrap() {
        assert_eq!(res["status"], "applied", "{res}");
    }
    let admin_token = srv.login("admin@demo.test").await;
    let p = page(
        &srv,
        &format!("{LIST}?id={}", w.ticket.number.0),
        &admin_token,
    )
    .await;
    let results = p["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{p}");
    let t = &results[0];
    assert_eq!(keys(t), set(TICKET_FIELDS));
    assert_eq!(t["id"], w.ticket.number.0);
    assert_eq!(t["subject"], w.ticket.subject);
    assert_eq!(t["from_email"], "customer@demo.test");
    assert_eq!(t["status"], "open");
    assert_eq!(
        t["channel"], "customer_account",
        "customer_portal is shown as customer_account"
    );
    assert!(t["requester"].as_i64().unwrap() >= 1);
    assert!(t["assignee"].as_i64().unwrap() >= 1);
    assert_ne!(t["requester"], t["assignee"]);
    let comments = t["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 2, "{t}");
    for c in comments {
        assert_eq!(keys(c), set(COMMENT_FIELDS));
        assert_eq!(c["author"], t["assignee"]);
        assert_eq!(c["from_email"], "agent1@demo.test");
    }
    assert!(comments[0]["id"].as_i64().unwrap() < comments[1]["id"].as_i64().unwrap());
    assert_eq!(comments[0]["is_public"], true);
    assert_eq!(
        comments[1]["is_public"], false,
        "an internal note is not public"
    );
    let a = &comments[0]["attachments"][0];
    assert_eq!(a["id"], file.body["id"]);
    assert_eq!(
        a["file_name"], "label.png",
        "the server's name, not the client's"
    );
    let url = a["file"].as_str().unwrap();
    assert!(url.starts_with(&srv.base), "absolute: {url}");
    let (status, headers, bytes) = download(&srv, url, &admin_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, PNG);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // The customer sees the public file, not the internal note's.
    let (status, _, _) = download(&srv, url, &customer).await;
    assert_eq!(status, StatusCode::OK);
    let note_url = comments[1]["attachments"][0]["file"].as_str().unwrap();
    let (status, _, bytes) = download(&srv, note_url, &customer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!String::from_utf8_lossy(&bytes).contains("internal only"));
    let (status, headers, _) = download(&srv, note_url, &admin_token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    // Another tenant's agent: not found.
    let foreign = srv.login("agent1@acme.test").await;
    let (status, _, _) = download(&srv, url, &foreign).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A sent file cannot be sent again; someone else's upload cannot be sent at all.
    let again = srv
        .post(
            "/sync/v1/mutations",
            &agent,
            batch(&[("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": ticket, "content": "again", "attachments": [{"name": "x", "url": file.body["url"], "size": 1, "mime": "x"}]}))]),
        )
        .await;
    assert_eq!(
        again.body["results"][0]["status"], "rejected",
        "{:?}",
        again.body
    );
    let mine = upload(&srv, &customer, "mine.txt", b"customer file").await;
    let (status, _, _) = download(&srv, mine.body["url"].as_str().unwrap(), &agent).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an unsent upload is its uploader's alone"
    );
});

both_engines!(uploads_refuse_bad_input, |srv: Srv| async move {
    let agent = srv.login("agent1@demo.test").await;
    let r = upload(&srv, &agent, "empty.txt", b"").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    let r = upload(&srv, &agent, "big.bin", &vec![7u8; 25 * 1024 * 1024 + 1]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", r.body);
    let resp = srv
        .http
        .post(srv.url("/files/v1?name=a.txt"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let r = upload(&srv, &agent, "a.txt&color=red", b"x").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    // multipart/form-data, as curl -F sends it
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"<script>alert(1)</script>".to_vec())
            .file_name("page.html"),
    );
    let resp = srv
        .http
        .post(srv.url("/files/v1"))
        .bearer_auth(&agent)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["name"], "page.html");
    assert_eq!(body["mime"], "text/html", "the type read from the bytes");
    let (status, headers, _) = download(&srv, body["url"].as_str().unwrap(), &agent).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-type"], "text/plain; charset=utf-8",
        "HTML is never served as HTML"
    );
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let (status, _, _) = download(&srv, "/files/v1/abc", &agent).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = download(&srv, "/files/v1/999999", &agent).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

/// `n` more tickets of the world's tenant with varied priority, type, channel, tags,
/// order, products, requester, assignee and status, and the admin's read key.
async fn many_tickets(srv: &Srv, n: usize) -> (TenantId, String) {
    let w = &srv.world;
    let t = w.tenant.id;
    let priorities = [
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Urgent,
    ];
    let types = ["question", "incident", "billing", "warranty_claim"];
    let channels = [
        "customer_portal",
        "email",
        "dashboard",
        "api",
        "chat",
        "follow_up",
        "storefront",
    ];
    let admin_actor = actor_for(&srv.db, t, &w.admin).await;
    let admin_token = srv.login("admin@demo.test").await;
    for i in 0..n {
        let requester = if i % 3 == 0 {
            &w.customer2
        } else {
            &w.customer
        };
        let args = outpost_domain::sync::TicketCreateArgs {
            ticket_id: TicketId::new(),
            conversation_id: None,
            subject: format!(
                "Order problem number {i} {}",
                if i % 4 == 0 { "refund" } else { "delivery" }
            ),
            description: "details".into(),
            priority: Some(priorities[i % 4]),
            ticket_type: Some(TicketType::parse(types[i % 4]).unwrap()),
            channel: Some(Channel::parse(channels[i % 7]).unwrap()),
            requester_id: Some(requester.id),
            assignee_id: match i % 5 {
                0 => None,
                1 | 2 => Some(w.agent1.id),
                _ => Some(w.agent2.id),
            },
            team_id: None,
            tags: match i % 6 {
                0 => vec!["billing".into()],
                1 => vec!["billing".into(), "vip".into()],
                2 => vec!["shipping".into()],
                _ => vec![],
            },
            related_order_id: (i % 2 == 0).then(|| format!("A-{}", i % 10)),
            related_delivery_id: None,
            follow_up_of: None,
        };
        let created = outpost_server::service::tickets::create(&srv.db, &admin_actor, &args)
            .await
            .expect("create");
        let products = match i % 4 {
            0 => "[1001]",
            1 => "[1002,1001]",
            2 => "[11001]",
            _ => "[]",
        };
        // No API writes products (only imports and the demo do).
        sqlx::query("UPDATE tickets SET products = $1 WHERE id = $2")
            .bind(products)
            .bind(created.ticket.id.to_string())
            .execute(srv.db.reader())
            .await
            .unwrap();
        if i % 7 == 3 {
            let status = ["pending", "solved", "closed"][i % 3];
            srv.set_status(&admin_token, created.ticket.id, status)
                .await;
        }
    }
    let key = auth::create_api_key(&srv.db, t, w.admin.id, "store", &[Scope::TicketsRead])
        .await
        .unwrap();
    (t, key)
}

both_engines!(every_filter_alone_and_together, |srv: Srv| async move {
    let (_, key) = many_tickets(&srv, 110).await;
    let all: Vec<Value> = {
        let mut url = LIST.to_owned();
        let mut out = Vec::new();
        loop {
            let p = page(&srv, &url, &key).await;
            out.extend(p["results"].as_array().unwrap().iter().cloned());
            match p["next"].as_str() {
                Some(n) => url = n.to_owned(),
                None => break,
            }
        }
        out
    };
    assert!(all.len() >= 100, "{}", all.len());
    let ids = |pred: &dyn Fn(&Value) -> bool| -> Vec<i64> {
        all.iter()
            .filter(|t| pred(t))
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    let sample = &all[all.len() / 2];
    let tag = all
        .iter()
        .find_map(|t| t["tags"][0].as_str())
        .expect("some ticket is tagged")
        .to_owned();
    let product = all
        .iter()
        .find_map(|t| t["products"][0].as_i64())
        .expect("some ticket has products");
    let order = all
        .iter()
        .find_map(|t| t["order"].as_str())
        .expect("some ticket has an order")
        .to_owned();
    let assignee = all.iter().find_map(|t| t["assignee"].as_i64()).unwrap();
    let day = sample["created_at"].as_str().unwrap()[..10].to_owned();
    let word = sample["subject"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .max_by_key(|w| w.len())
        .unwrap()
        .to_lowercase();
    let email = sample["from_email"].as_str().unwrap().to_owned();
    let cases: Vec<(String, Vec<i64>)> = vec![
        (
            format!("id={}", sample["id"]),
            ids(&|t| t["id"] == sample["id"]),
        ),
        (
            format!("filter_text={}", sample["id"]),
            ids(&|t| {
                t["id"] == sample["id"]
                    || t["subject"]
                        .as_str()
                        .unwrap()
                        .contains(&sample["id"].to_string())
                    || t["from_email"]
                        .as_str()
                        .unwrap()
                        .contains(&sample["id"].to_string())
            }),
        ),
        (
            format!("filter_text={email}"),
            ids(&|t| t["from_email"] == email.as_str()),
        ),
        (
            format!("subject={word}"),
            ids(&|t| {
                t["subject"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains(&word)
            }),
        ),
        (
            "status=open&status=pending".into(),
            ids(&|t| t["status"] == "open" || t["status"] == "pending"),
        ),
        ("status=closed".into(), ids(&|t| t["status"] == "closed")),
        (
            format!("requester={}", sample["requester"]),
            ids(&|t| t["requester"] == sample["requester"]),
        ),
        (
            format!("assignee={assignee}"),
            ids(&|t| t["assignee"] == assignee),
        ),
        (
            format!("order_number={order}"),
            ids(&|t| t["order"] == order.as_str()),
        ),
        (
            format!("product={product}"),
            ids(&|t| t["products"].as_array().unwrap().contains(&json!(product))),
        ),
        (
            format!("tags={tag}"),
            ids(&|t| t["tags"].as_array().unwrap().contains(&json!(tag))),
        ),
        (
            format!("ticket_type={}", sample["ticket_type"]),
            ids(&|t| t["ticket_type"] == sample["ticket_type"]),
        ),
        ("priority=high".into(), ids(&|t| t["priority"] == "high")),
        (
            "channel=customer_account".into(),
            ids(&|t| t["channel"] == "customer_account"),
        ),
        ("channel=email".into(), ids(&|t| t["channel"] == "email")),
        (
            format!("created_from={day}&created_to={day}"),
            ids(&|t| t["created_at"].as_str().unwrap().starts_with(&day)),
        ),
        (
            format!("created_from={day}"),
            ids(&|t| t["created_at"].as_str().unwrap()[..10] >= *day),
        ),
        (
            format!("status=open&priority=high&tags={tag}"),
            ids(&|t| {
                t["status"] == "open"
                    && t["priority"] == "high"
                    && t["tags"].as_array().unwrap().contains(&json!(tag))
            }),
        ),
        (
            format!("channel=customer_account&status=solved&status=closed&created_to={day}"),
            ids(&|t| {
                t["channel"] == "customer_account"
                    && (t["status"] == "solved" || t["status"] == "closed")
                    && t["created_at"].as_str().unwrap()[..10] <= *day
            }),
        ),
        ("requester=999999".into(), vec![]),
        ("tags=no-such-tag".into(), vec![]),
        ("ticket_type=999".into(), vec![]),
    ];
    let mut nonempty = 0;
    for (query, want) in cases {
        let got = walk(&srv, &query, &key).await;
        assert_eq!(got, want, "{query}");
        nonempty += usize::from(!want.is_empty());
    }
    assert!(
        nonempty >= 18,
        "the filters were tried on matching tickets: {nonempty}"
    );
});

both_engines!(cursor_walks_forwards_and_back, |srv: Srv| async move {
    let (tenant, key) = many_tickets(&srv, 110).await;
    let mut pages: Vec<Value> = Vec::new();
    let mut url =
        format!("{LIST}?status=open&status=new&status=pending&status=solved&status=closed");
    loop {
        let p = page(&srv, &url, &key).await;
        assert_eq!(p["previous"].is_null(), pages.is_empty(), "{p}");
        pages.push(p.clone());
        if pages.len() == 1 {
            // A ticket created mid-walk joins above the walk's start.
            create_ticket(
                &srv.db,
                tenant,
                &srv.world.customer,
                "arrived during the walk",
                None,
            )
            .await;
        }
        match p["next"].as_str() {
            Some(n) => {
                assert!(n.contains("status=open"), "next keeps the filters: {n}");
                url = n.to_owned();
            }
            None => break,
        }
    }
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let ids: Vec<i64> = pages
        .iter()
        .flat_map(|p| {
            p["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(pages[0]["results"].as_array().unwrap().len(), 50);
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
    let distinct: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len());
    assert_eq!(*ids.last().unwrap(), 1, "no gap down to the first ticket");
    // Back along `previous`: the same pages.
    let mut back = pages.last().unwrap().clone();
    for expected in pages.iter().rev().skip(1) {
        let prev = back["previous"]
            .as_str()
            .expect("a previous page")
            .to_owned();
        back = page(&srv, &prev, &key).await;
        assert_eq!(
            back["results"], expected["results"],
            "walking back returns the same page"
        );
    }
    assert!(
        back["previous"].is_string(),
        "the ticket made during the walk lies above"
    );
    // A tampered cursor, or one used with other filters, is refused.
    let next = pages[0]["next"].as_str().unwrap();
    let tampered = next.replace("cursor=", "cursor=A");
    let r = get(&srv, &tampered, Some(&key), Some("unstable")).await;
    assert_eq!(r.status.as_u16(), 422, "{:?}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("cursor"));
    let other_filters = next.replace("status=closed", "status=new");
    let r = get(&srv, &other_filters, Some(&key), Some("unstable")).await;
    assert_eq!(r.status.as_u16(), 422, "{:?}", r.body);
});

both_engines!(same_tickets_through_every_api, |srv: Srv| async move {
    let w = &srv.world;
    let admin_token = srv.login("admin@demo.test").await;
    let customer = srv.login("customer@demo.test").await;
    // Seed 001: a customer's ticket with a comment.
    let created = srv
        .post(
            "/api/v1/support/tickets",
            &customer,
            json!({"title": "Parcel never came", "description": "Order A-77", "type": "incident"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["ticket_id"].as_str().unwrap().to_owned();
    let r = srv
        .post(
            &format!("/api/v1/support/tickets/{id}/comments"),
            &admin_token,
            json!({"content": "Looking into it", "is_internal": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    // Seed 002: a tag by id.
    let tag = admin::create_tag(&srv.db, w.tenant.id, "billing")
        .await
        .unwrap();
    let ticket_id: TicketId = id.parse::<uuid::Uuid>().unwrap().into();
    let actor = actor_for(&srv.db, w.tenant.id, &w.admin).await;
    outpost_server::service::chat_tickets::add_tag(&srv.db, &actor, ticket_id, tag.id)
        .await
        .unwrap();
    let p = page(&srv, &format!("{LIST}?tags=billing"), &admin_token).await;
    let results = p["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{p}");
    let t = &results[0];
    assert_eq!(t["subject"], "Parcel never came");
    assert_eq!(t["tags"], json!(["billing"]));
    assert_eq!(t["ticket_type"], 2, "incident is type 2");
    let bodies: Vec<(&str, bool)> = t["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["body"].as_str().unwrap(),
                c["is_public"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(bodies.contains(&("Looking into it", false)), "{bodies:?}");
    // The desktop app's way: a sync `ticket.create`, then a reply.
    let agent = srv.login("agent1@demo.test").await;
    let app_ticket = uuid::Uuid::now_v7();
    let r = srv
        .post(
            "/sync/v1/mutations",
            &agent,
            batch(&[
                ("ticket.create", json!({"ticket_id": app_ticket, "subject": "Typed on a plane", "description": "offline", "requester_id": w.customer2.id})),
                ("message.send", json!({"message_id": uuid::Uuid::now_v7(), "ticket_id": app_ticket, "content": "We are on it"})),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let p = page(&srv, &format!("{LIST}?filter_text=plane"), &admin_token).await;
    let t = &p["results"][0];
    assert_eq!(t["subject"], "Typed on a plane", "{p}");
    assert_eq!(t["from_email"], "customer2@demo.test");
    assert_eq!(t["comments"][0]["body"], "We are on it");
    assert_eq!(t["comments"][0]["from_email"], "agent1@demo.test");
    // Another tenant's tickets never show.
    let foreign = walk(&srv, "", &admin_token).await;
    assert!(!foreign.is_empty());
    let p = page(
        &srv,
        &format!("{LIST}?id={}", w.foreign_ticket.number.0),
        &admin_token,
    )
    .await;
    assert!(
        p["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["subject"] != w.foreign_ticket.subject),
        "{p}"
    );
});

/// A file store whose disk is full (ENOSPC on every write).
struct FullDisk;

impl outpost_server::files::BlobStore for FullDisk {
    fn put<'a>(
        &'a self,
        _: TenantId,
        _: &'a str,
        _: &'a [u8],
    ) -> futures::future::BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async {
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "No space left on device",
            ))
        })
    }

    fn get<'a>(
        &'a self,
        _: TenantId,
        _: &'a str,
    ) -> futures::future::BoxFuture<'a, std::io::Result<Option<Vec<u8>>>> {
        Box::pin(async { Ok(None) })
    }

    fn describe(&self) -> String {
        "a full disk".into()
    }
}

both_engines!(a_full_file_store_keeps_nothing, |srv: Srv| async move {
    let w = &srv.world;
    let mut full = srv.db.clone();
    full.use_blobs(std::sync::Arc::new(FullDisk));
    let actor = actor_for(&srv.db, w.tenant.id, &w.agent1).await;
    let err = outpost_server::service::files::upload(&full, &actor, "a.txt", b"hello")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
    assert!(err.to_string().contains("full"), "{err}");
    // Nothing was kept: the first real upload is file 1.
    let agent = srv.login("agent1@demo.test").await;
    let r = upload(&srv, &agent, "b.txt", b"x").await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["id"], 1);
});
