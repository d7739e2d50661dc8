//! The client core against a real `outpost-server` on 127.0.0.1:0: one or several
//! signed-in desks, offline and online, through a fault-injecting proxy (one test
//! binary).

mod connectors;
mod faults;
mod faults_selftest;
mod optimistic;
mod property;
mod reliability;
mod scenarios;
mod support;
