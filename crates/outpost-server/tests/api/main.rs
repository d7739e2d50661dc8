//! HTTP-level tests of outpost-server: every test runs against a real server on
//! 127.0.0.1:0, once on SQLite and once on PostgreSQL.

mod support;

mod auth;
mod errors;
mod families;
mod migrations;
mod openapi;
mod scale_out;
mod security;
mod seed000;
mod seed001;
mod seed002;
mod seed003;
mod seed004;
mod sse;
mod storage;
mod sync;
mod sync_concurrent;
mod tallies;
