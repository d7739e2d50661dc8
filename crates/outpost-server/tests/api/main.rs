//! HTTP-level tests of outpost-server: every test runs against a real server on
//! 127.0.0.1:0, once on SQLite and once on PostgreSQL.

mod support;

mod auth;
mod openapi;
mod seed000;
mod storage;
mod sync;
