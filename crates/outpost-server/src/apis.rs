//! Which route families a server offers (`outpost-server serve --apis LIST`), so a
//! server can be run with one seed API alone, e.g. for a connector's tests.

use std::fmt;
use std::str::FromStr;

/// A route family, by its `--apis` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    /// `native`: the sync protocol (`/sync/v1`) the desktop app and CLI use.
    Native,
    /// `ondi`: seeds 000 (support queue) and 003 (messages) under `/messaging`.
    Ondi,
    /// `sonzai`: seed 001 (`/api/v1/support/tickets`).
    Sonzai,
    /// `workspace`: seed 002 (`/api/v1/tickets`).
    Workspace,
    /// `29next`: seed 004 (`/api/admin/tickets/`).
    TwentyNineNext,
}

impl Api {
    /// Every family, in the order `--apis` help lists them.
    pub const ALL: [Api; 5] = [
        Api::Native,
        Api::Ondi,
        Api::Sonzai,
        Api::Workspace,
        Api::TwentyNineNext,
    ];

    /// The `--apis` name.
    pub fn name(self) -> &'static str {
        match self {
            Api::Native => "native",
            Api::Ondi => "ondi",
            Api::Sonzai => "sonzai",
            Api::Workspace => "workspace",
            Api::TwentyNineNext => "29next",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`Api::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown API family {name:?}; expected one of {}", valid_names())]
pub struct UnknownApi {
    pub name: String,
}

fn valid_names() -> String {
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

/// A set of route families; [`Apis::default`] is all of them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Apis(u8);

impl Apis {
    /// Every family.
    pub fn all() -> Apis {
        Apis::from_iter(Api::ALL)
    }

    /// Just these families.
    pub fn only(apis: impl IntoIterator<Item = Api>) -> Apis {
        Apis::from_iter(apis)
    }

    pub fn contains(self, api: Api) -> bool {
        self.0 & api.bit() != 0
    }

    /// The families in the set, in [`Api::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Api> {
        Api::ALL.into_iter().filter(move |a| self.contains(*a))
    }
}

impl Default for Apis {
    fn default() -> Self {
        Apis::all()
    }
}

impl FromIterator<Api> for Apis {
    fn from_iter<I: IntoIterator<Item = Api>>(iter: I) -> Self {
        Apis(iter.into_iter().fold(0, |bits, a| bits | a.bit()))
    }
}

impl fmt::Display for Apis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Api::name).collect();
        f.write_str(&names.join(","))
    }
}

impl fmt::Debug for Apis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Apis({self})")
    }
}

/// Why an `--apis` list was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApisError {
    #[error(transparent)]
    Unknown(#[from] UnknownApi),
    #[error("no API family named; expected one or more of {}", valid_names())]
    Empty,
}

impl FromStr for Apis {
    type Err = ApisError;

    /// A comma-separated list of names (`native,ondi`); blanks around names are
    /// ignored, an empty list is refused (a server that offers nothing is a mistake).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let names: Vec<&str> = s
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() {
            return Err(ApisError::Empty);
        }
        names
            .into_iter()
            .map(|n| n.parse::<Api>().map_err(ApisError::from))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_of_names_parses_to_those_families() {
        let apis: Apis = "ondi, 29next".parse().unwrap();
        assert_eq!(
            apis.iter().collect::<Vec<_>>(),
            [Api::Ondi, Api::TwentyNineNext]
        );
    }

    #[test]
    fn every_name_parses_back_to_its_family() {
        for api in Api::ALL {
            assert_eq!(api.name().parse::<Api>().unwrap(), api);
        }
        assert_eq!(
            Apis::all().to_string().parse::<Apis>().unwrap(),
            Apis::all()
        );
    }

    #[test]
    fn unknown_name_is_refused_with_the_valid_names() {
        let err = "native,zendesk".parse::<Apis>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown API family \"zendesk\"; expected one of native, ondi, sonzai, workspace, 29next"
        );
    }

    #[test]
    fn empty_list_is_refused() {
        assert_eq!(" , ".parse::<Apis>().unwrap_err(), ApisError::Empty);
    }

    #[test]
    fn default_is_every_family() {
        assert!(Api::ALL.into_iter().all(|a| Apis::default().contains(a)));
    }
}
