//! Client core against a real `outpost-server` on 127.0.0.1:0 (one test binary).

mod faults;
mod optimistic;
mod property;
mod reliability;
mod scenarios;
mod support;
