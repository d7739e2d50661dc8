//! Which route families a server offers (`outpost-server serve --apis LIST`), so a
//! server can be run with one seed API alone, e.g. for a connector's tests.

use std::fmt;
use std::str::FromStr;

pub use outpost_api::family::{Api, UnknownApi};

/// The bit of `api` in an [`Apis`] set.
fn bit(api: Api) -> u8 {
    1 << (api as u8)
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
        self.0 & bit(api) != 0
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
        Apis(iter.into_iter().fold(0, |bits, a| bits | bit(a)))
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
    #[error(
        "no API family named; expected one or more of {}",
        outpost_api::family::valid_names()
    )]
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
