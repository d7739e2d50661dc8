//! What `outpost-bench` needs beyond [`Desk`](crate::Desk) to measure the client core;
//! not part of the API the CLI and the app use, and not meant for them.

/// A raw client of the native sync protocol: the benchmark's second writer pushes
/// mutations with it directly, as another device would.
pub use crate::remote::native::NativeRemote as SyncClient;
