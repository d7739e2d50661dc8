// The app's IPC commands, shared by build.rs (which generates one `allow-<command>`
// permission per name, so only these are reachable from the webview) and by the crate
// (a test checks the invoke handler registers exactly these).
pub const COMMANDS: &[&str] = &[
    // session
    "app_info",
    "session",
    "boot",
    "sign_in",
    "sign_in_with_token",
    "sign_out",
    // sync
    "sync_status",
    "sync_now",
    "set_offline",
    "outbox",
    // tickets
    "first_screen",
    "view_counts",
    "list_tickets",
    "ticket_detail",
    "search",
    "saved_searches",
    "save_search",
    "delete_saved_search",
    "save_draft",
    "directory",
    // actions
    "claim",
    "takeover",
    "assign",
    "update_ticket",
    "tag",
    "send_message",
    "close",
    "reopen",
    "mark_read",
    "create_ticket",
    // conflicts
    "conflicts",
    "resolve_conflict",
    // settings
    "settings",
    "reset_cache",
];
