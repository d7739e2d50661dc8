//! The route families by name: what `outpost-server serve --apis LIST` offers and what
//! `outpost login --api NAME` speaks. One list, so the server and its clients never
//! disagree on a name.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A route family, by its `--apis` / `--api` name.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum Api {
    /// `native`: the sync protocol (`/sync/v1`) the desktop app and CLI use.
    #[default]
    #[serde(rename = "native")]
    Native,
    /// `ondi`: seeds 000 (support queue) and 003 (messages) under `/messaging`.
    #[serde(rename = "ondi")]
    Ondi,
    /// `sonzai`: seed 001 (`/api/v1/support/tickets`).
    #[serde(rename = "sonzai")]
    Sonzai,
    /// `workspace`: seed 002 (`/api/v1/tickets`).
    #[serde(rename = "workspace")]
    Workspace,
    /// `29next`: seed 004 (`/api/admin/tickets/`).
    #[serde(rename = "29next")]
    TwentyNineNext,
}

impl Api {
    /// Every family, in the order help texts list them.
    pub const ALL: [Api; 5] = [
        Api::Native,
        Api::Ondi,
        Api::Sonzai,
        Api::Workspace,
        Api::TwentyNineNext,
    ];

    /// The `--apis` / `--api` name.
    pub fn name(self) -> &'static str {
        match self {
            Api::Native => "native",
            Api::Ondi => "ondi",
            Api::Sonzai => "sonzai",
            Api::Workspace => "workspace",
            Api::TwentyNineNext => "29next",
        }
    }

    /// The family's name for people, as refusals and status lines use it.
    pub fn title(self) -> &'static str {
        match self {
            Api::Native => "the Outpost sync API",
            Api::Ondi => "the OnDi support API",
            Api::Sonzai => "the Sonzai support API",
            Api::Workspace => "the workspace tickets API",
            Api::TwentyNineNext => "the 29next admin API",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`Api::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownApi {
    pub name: String,
}

impl fmt::Display for UnknownApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown API family {:?}; expected one of {}",
            self.name,
            valid_names()
        )
    }
}

impl std::error::Error for UnknownApi {}

/// `native, ondi, …` for messages.
pub fn valid_names() -> String {
    Api::ALL.map(Api::name).join(", ")
}

impl FromStr for Api {
    type Err = UnknownApi;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Api::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| UnknownApi { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_and_serializes_as_itself() {
        for api in Api::ALL {
            assert_eq!(api.name().parse::<Api>().unwrap(), api);
            assert_eq!(
                serde_json::to_value(api).unwrap(),
                serde_json::json!(api.name()),
                "profile.json stores the same name the flags take"
            );
        }
    }
}
