//! The commands through Tauri's IPC (mock runtime, the app's real capabilities and
//! `tauri://localhost` origin), against a real `outpost-server` with demo data.

use outpost_app::state::AppInfo;
use outpost_core::Desk;
use outpost_core::credentials::{Credentials, MemoryStore};
use outpost_core::profile::Profile;
use outpost_server::testing::Served;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Listener, WebviewWindow, WebviewWindowBuilder};

struct TestApp {
    tauri: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    events: Arc<Mutex<Vec<Value>>>,
    _profile: tempfile::TempDir,
}

fn test_app() -> TestApp {
    let profile = tempfile::tempdir().unwrap();
    // The in-memory store stands in for the OS keychain; no OUTPOST_TOKEN.
    let creds = Credentials::with_env_token(Arc::new(MemoryStore::new()), None);
    let info = AppInfo {
        version: "test".into(),
        default_server: None,
        demo: None,
    };
    let app = outpost_app::with_commands(mock_builder().plugin(tauri_plugin_opener::init()))
        .build(tauri::generate_context!())
        .unwrap();
    // Setup hooks run only once an event loop starts; install the state directly.
    outpost_app::install(
        app.handle(),
        creds,
        Profile::at(profile.path().join("p")),
        info,
    );
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    app.listen_any(outpost_app::events::DESK_EVENT, move |e| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp {
        tauri: app,
        window,
        events,
        _profile: profile,
    }
}

impl TestApp {
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                // What the webview's origin is on Linux (and macOS).
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err_code(&self, cmd: &str, args: Value) -> String {
        let e = self
            .invoke(cmd, args)
            .expect_err(&format!("{cmd} should fail"));
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
        e["code"].as_str().unwrap().to_owned()
    }

    fn sign_in(&self, server: &Served, email: &str) -> Value {
        self.ok(
            "sign_in",
            json!({ "server": server.base, "email": email, "password": "outpost-demo", "tenant": "demo" }),
        )
    }

    /// Signed in and the live engine's first sync done.
    fn sign_in_synced(&self, server: &Served, email: &str) -> Value {
        let account = self.sign_in(server, email);
        self.wait_for("the first sync", |a| {
            a.ok("sync_status", json!({}))["bootstrapped"] == true
        });
        account
    }

    fn wait_for(&self, what: &str, mut f: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !f(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn server(tag: &str) -> Served {
    tauri::async_runtime::block_on(Served::demo(tag, 20, 2))
}

#[test]
fn sign_in_failures_have_stable_codes() {
    let app = test_app();
    assert_eq!(app.ok("session", json!({})), Value::Null);
    let boot = app.ok(
        "boot",
        json!({ "list": { "view": "my_open", "limit": 100 } }),
    );
    assert_eq!(boot["info"]["version"], "test");
    assert_eq!(boot["account"], Value::Null);
    assert_eq!(
        boot["error"],
        Value::Null,
        "nobody signed in is not an error"
    );
    assert_eq!(boot["first_screen"], Value::Null);
    assert_eq!(app.err_code("view_counts", json!({})), "not_signed_in");
    assert_eq!(
        app.err_code("first_screen", json!({ "list": {} })),
        "not_signed_in"
    );

    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let args = json!({ "server": format!("http://127.0.0.1:{port}"), "email": "agent1@demo.test", "password": "outpost-demo", "tenant": null });
    assert_eq!(app.err_code("sign_in", args), "unreachable");

    let srv = server("app-signin");
    let args = json!({ "server": srv.base, "email": "agent1@demo.test", "password": "wrong", "tenant": "demo" });
    assert_eq!(app.err_code("sign_in", args), "invalid_credentials");
    let args =
        json!({ "server": srv.base, "email": "not an email", "password": "x", "tenant": null });
    assert_eq!(app.err_code("sign_in", args), "invalid_input");
    // Still nobody signed in.
    assert_eq!(app.ok("session", json!({})), Value::Null);
    tauri::async_runtime::block_on(srv.stop());
}

#[test]
fn triage_offline_then_delivered() {
    let srv = server("app-triage");
    let app = test_app();
    let account = app.sign_in(&srv, "agent1@demo.test");
    assert_eq!(account["email"], "agent1@demo.test");
    assert_eq!(
        app.ok("session", json!({})),
        account,
        "session reuses the open desk"
    );

    // The live engine bootstraps on its own; its events reach the webview.
    app.wait_for("the first sync", |a| {
        a.ok("sync_status", json!({}))["bootstrapped"] == true
    });
    let events = app.events.lock().unwrap().clone();
    assert!(
        events.iter().any(|e| e["type"] == "sync_state"),
        "sync state forwarded: {events:?}"
    );

    // The start-up's one round trip holds what the parts say one by one.
    let list = json!({ "view": "unassigned", "sort": "number_asc", "limit": 5 });
    let boot = app.ok("boot", json!({ "list": list }));
    assert_eq!(boot["account"], account);
    assert_eq!(boot["error"], Value::Null);
    let first = &boot["first_screen"];
    assert_eq!(first["status"]["bootstrapped"], true);
    assert_eq!(
        first["page"],
        app.ok("list_tickets", json!({ "query": list }))
    );
    // The live engine may be in a pass between two reads: what a pass moves (whether it
    // runs, when it last ended, the cache file's size) is left out of the comparison.
    let settled = |status: &Value| {
        let mut s = status.clone();
        for moved in ["syncing", "last_sync_at", "cache_bytes"] {
            s.as_object_mut().expect("a status object").remove(moved);
        }
        s
    };
    let again = app.ok("first_screen", json!({ "list": list }));
    assert_eq!(first["page"], again["page"]);
    assert_eq!(settled(&first["status"]), settled(&again["status"]));
    // A list the core refuses: the session still opens, and the UI reads the parts
    // (and shows the list's error) itself.
    let bad = json!({ "list": { "search": "stauts:open" } });
    let boot = app.ok("boot", bad.clone());
    assert_eq!(boot["account"], account);
    assert_eq!(boot["first_screen"], Value::Null);
    assert_eq!(app.err_code("first_screen", bad), "invalid_input");

    let counts = app.ok("view_counts", json!({}));
    assert!(
        counts
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["view"] == "unassigned")
    );
    let page = app.ok(
        "list_tickets",
        json!({ "query": { "view": "unassigned", "sort": "number_asc", "limit": 5 } }),
    );
    let first = &page["tickets"][0];
    assert!(page["total"].as_i64().unwrap() > 0);
    assert_eq!(first["assignee"], Value::Null);
    let number = first["number"].as_i64().unwrap().to_string();
    let bad = app.err_code(
        "list_tickets",
        json!({ "query": { "search": "stauts:open" } }),
    );
    assert_eq!(bad, "invalid_input");

    let detail = app.ok("ticket_detail", json!({ "ticket": number }));
    assert_eq!(detail["number"].as_i64().unwrap().to_string(), number);
    assert_eq!(
        app.err_code("ticket_detail", json!({ "ticket": "999999" })),
        "not_found"
    );

    // Offline: the actions are kept and shown pending.
    app.ok("set_offline", json!({ "offline": true }));
    app.ok("claim", json!({ "ticket": number }));
    let sent = app.ok(
        "send_message",
        json!({ "ticket": number, "text": "On it", "internal": false }),
    );
    assert_eq!(app.err_code("sync_now", json!({})), "offline");
    let detail = app.ok("ticket_detail", json!({ "ticket": number }));
    assert_eq!(detail["assignee"]["email"], "agent1@demo.test");
    assert!(detail["pending"].as_i64().unwrap() >= 2);
    let mine = detail["conversation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == sent["message_id"])
        .unwrap()
        .clone();
    assert_eq!(mine["delivery"], "pending");

    // Back online: delivered once, confirmed by the server.
    app.ok("set_offline", json!({ "offline": false }));
    app.wait_for("delivery", |a| {
        let d = a.ok("ticket_detail", json!({ "ticket": number }));
        d["pending"] == 0
            && d["conversation"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["id"] == sent["message_id"] && m["delivery"].is_null())
    });
    let d = app.ok("ticket_detail", json!({ "ticket": number }));
    let copies = d["conversation"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["content"] == "On it")
        .count();
    assert_eq!(copies, 1);
    assert!(
        app.events
            .lock()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "delivered"),
        "delivery forwarded"
    );
    let directory = app.ok("directory", json!({}));
    assert!(
        directory["agents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email"] == "agent2@demo.test")
    );

    app.ok("sign_out", json!({ "wipe": true }));
    assert_eq!(app.ok("session", json!({})), Value::Null);
    assert_eq!(
        app.err_code("claim", json!({ "ticket": number })),
        "not_signed_in"
    );
    tauri::async_runtime::block_on(srv.stop());
}

#[test]
fn assignment_by_another_agent_reaches_the_webview() {
    let srv = server("app-assigned");
    let app = test_app();
    app.sign_in_synced(&srv, "agent1@demo.test");
    let page = app.ok(
        "list_tickets",
        json!({ "query": { "view": "unassigned", "sort": "number_asc", "limit": 1 } }),
    );
    let ticket = page["tickets"][0].clone();
    let number = ticket["number"].as_i64().unwrap().to_string();
    assert!(
        !app.events
            .lock()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "assigned"),
        "nothing assigned yet"
    );

    // agent2, on their own installation, hands the ticket to agent1.
    let other = tempfile::tempdir().unwrap();
    tauri::async_runtime::block_on(async {
        let creds = Credentials::with_env_token(Arc::new(MemoryStore::new()), None);
        let desk = Desk::login(
            Profile::at(other.path().join("p")),
            creds,
            &srv.base,
            "agent2@demo.test",
            Some("outpost-demo"),
            Some("demo"),
        )
        .await
        .unwrap();
        desk.sync().await.unwrap();
        desk.assign(&number, Some(Some("agent1@demo.test")), None)
            .await
            .unwrap();
        let report = desk.sync().await.unwrap();
        assert_eq!(report.rejected, 0, "{report:?}");
    });

    // agent1's live engine picks it up and tells the webview (which notifies).
    app.wait_for("the assigned event", |a| {
        a.events
            .lock()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "assigned" && e["ticket_id"] == ticket["id"])
    });
    let detail = app.ok("ticket_detail", json!({ "ticket": number }));
    assert_eq!(detail["assignee"]["email"], "agent1@demo.test");
    tauri::async_runtime::block_on(srv.stop());
}

#[test]
fn capabilities_refuse_what_is_not_granted() {
    let app = test_app();
    // Granted: an app command.
    assert!(app.invoke("app_info", json!({})).is_ok());
    // Not granted: opening a local path, and a URL outside http(s)/mailto.
    let e = app
        .invoke("plugin:opener|open_path", json!({ "path": "/etc/passwd" }))
        .unwrap_err();
    assert!(e.to_string().to_lowercase().contains("not allowed"), "{e}");
    let e = app
        .invoke(
            "plugin:opener|open_url",
            json!({ "url": "file:///etc/passwd" }),
        )
        .unwrap_err();
    assert!(e.to_string().to_lowercase().contains("not allowed"), "{e}");
    // Core window control the UI has no use for.
    let e = app
        .invoke("plugin:window|close", json!({ "label": "main" }))
        .unwrap_err();
    assert!(e.to_string().to_lowercase().contains("not allowed"), "{e}");
}

#[test]
fn sign_in_with_token_speaks_the_named_api_and_offers_only_its_actions() {
    // A server that offers the OnDi support API alone, with the demo's accounts.
    let options = outpost_server::demo::DemoOptions {
        tickets_per_tenant: 6,
        messages_per_ticket: 1,
    };
    let (srv, key) = tauri::async_runtime::block_on(Served::start_apis(
        "app-token",
        "ondi".parse().unwrap(),
        async |db| {
            use outpost_server::service::{admin, auth};
            outpost_server::demo::generate(db, &options).await.unwrap();
            let tenant = admin::tenant(db, "demo").await.unwrap().id;
            let user = admin::user_by_email(db, tenant, "agent1@demo.test")
                .await
                .unwrap();
            auth::create_api_key(
                db,
                tenant,
                user.id,
                "desktop test",
                &outpost_server::auth::Scope::ALL,
            )
            .await
            .unwrap()
        },
    ));
    let app = test_app();
    let args = |api: &str, token: &str| json!({ "server": srv.base, "api": api, "email": "agent1@demo.test", "token": token });
    assert_eq!(
        app.err_code("sign_in_with_token", args("smoke-signals", &key)),
        "invalid_input",
        "an API name the core does not know is refused before any request"
    );
    assert_eq!(app.ok("session", json!({})), Value::Null);

    let account = app.ok("sign_in_with_token", args("ondi", &key));
    assert_eq!(
        account["api"], "ondi",
        "the account names the API it speaks"
    );
    assert_eq!(account["email"], "agent1@demo.test");
    app.wait_for("the first sync through the connector", |a| {
        a.ok("sync_status", json!({}))["bootstrapped"] == true
    });
    let status = app.ok("sync_status", json!({}));
    assert_eq!(status["api"], "ondi");
    assert_eq!(status["api_title"], "the OnDi support API");
    let actions: Vec<&str> = status["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(actions.contains(&"ticket.claim"), "{actions:?}");
    assert!(
        !actions.contains(&"ticket.update"),
        "the UI disables what the API lacks: {actions:?}"
    );

    let page = app.ok("list_tickets", json!({ "query": { "limit": 5 } }));
    let ticket = page["tickets"][0]["id"].as_str().unwrap().to_owned();
    let edit = json!({ "subject": null, "description": null, "status": "pending", "priority": null, "type": null });
    assert_eq!(
        app.err_code("update_ticket", json!({ "ticket": ticket, "edit": edit })),
        "not_supported",
        "an action the API lacks is refused with the code the UI branches on"
    );
    tauri::async_runtime::block_on(srv.stop());
}

#[test]
fn boot_hands_over_the_first_screen_read_at_start_up_once() {
    use tauri::Manager;
    let srv = server("app-boot");
    let app = test_app();
    app.sign_in_synced(&srv, "agent1@demo.test");
    let state = app.tauri.state::<outpost_app::state::AppState>();
    tauri::async_runtime::block_on(state.open_at_start()).unwrap();
    let start = serde_json::to_value(outpost_core::FirstScreen::start_list()).unwrap();
    let read_ahead = app.ok("list_tickets", json!({ "query": start }));

    // Another list does not take it.
    let other = app.ok(
        "boot",
        json!({ "list": { "view": "unassigned", "limit": 1 } }),
    );
    let number = other["first_screen"]["page"]["tickets"][0]["number"].to_string();
    // A change after the read: the window reads the list again once it listens to
    // events; `boot` hands over what was read ahead, once.
    app.ok("claim", json!({ "ticket": number }));
    // No pass may deliver the claim between the reads compared below.
    app.ok("set_offline", json!({ "offline": true }));
    app.wait_for("the engine at rest", |a| {
        a.ok("sync_status", json!({}))["syncing"] == false
    });
    let boot = app.ok("boot", json!({ "list": start }));
    assert_eq!(boot["first_screen"]["page"], read_ahead);
    let again = app.ok("boot", json!({ "list": start }));
    let now = app.ok("list_tickets", json!({ "query": start }));
    assert_eq!(
        again["first_screen"]["page"], now,
        "read anew once handed over"
    );
    assert_eq!(
        now["total"].as_i64().unwrap(),
        read_ahead["total"].as_i64().unwrap() + 1,
        "the claimed ticket is in My open"
    );
    tauri::async_runtime::block_on(srv.stop());
}

#[test]
fn the_page_carries_the_start_up_answer_once_it_is_read() {
    use outpost_app::commands::session::Boot;
    use tauri::Manager;
    let srv = server("app-early");
    let app = test_app();
    let state = app.tauri.state::<outpost_app::state::AppState>();
    assert!(
        Boot::early(&state).is_none(),
        "nothing before the read-ahead: the window asks `boot`"
    );
    tauri::async_runtime::block_on(state.open_at_start()).unwrap();
    let signed_out = Boot::early(&state).expect("nobody signed in is an answer");
    assert!(signed_out.account.is_none() && signed_out.first_screen.is_none());
    assert_eq!(signed_out.info.version, "test");

    app.sign_in_synced(&srv, "agent1@demo.test");
    assert!(
        Boot::early(&state).is_none(),
        "after a sign-in the read-ahead has nothing for the new session"
    );
    // A start with the saved session: no pass may change the list between the reads.
    app.ok("set_offline", json!({ "offline": true }));
    app.wait_for("the engine at rest", |a| {
        a.ok("sync_status", json!({}))["syncing"] == false
    });
    tauri::async_runtime::block_on(state.open_at_start()).unwrap();
    let start = serde_json::to_value(outpost_core::FirstScreen::start_list()).unwrap();
    let now = app.ok("list_tickets", json!({ "query": start }));
    let early = Boot::early(&state).expect("the saved session's answer");
    assert_eq!(early.account.unwrap().email, "agent1@demo.test");
    let page = serde_json::to_value(early.first_screen.unwrap().page).unwrap();
    assert_eq!(page, now);
    assert!(
        Boot::early(&state).is_none(),
        "given once: a reloaded page asks `boot`"
    );
    let boot = app.ok("boot", json!({ "list": start }));
    assert_eq!(boot["first_screen"]["page"], now, "which reads it anew");
    tauri::async_runtime::block_on(srv.stop());
}
