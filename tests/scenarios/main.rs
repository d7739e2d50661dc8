//! Cross-component scenarios: a real `outpost-server` on 127.0.0.1:0 with several
//! clients, the real `outpost` binary among them (one test binary).

mod kill;
