//! The page-size and position parameters of list routes, parsed once for every
//! family; each family states its own names, bounds and defaults in a
//! [`PagingRules`] type.

use crate::http::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use outpost_domain::ErrorCode;
use std::marker::PhantomData;

/// How a family's list routes count their position.
pub enum Position {
    /// A page number from 1 (`?page=3`), at most `max`.
    Page { name: &'static str, max: i64 },
    /// Items to skip (`?offset=40`), at most `max`.
    Offset { name: &'static str, max: i64 },
}

impl Position {
    /// The query parameter's name.
    pub fn name(&self) -> &'static str {
        match self {
            Position::Page { name, .. } | Position::Offset { name, .. } => name,
        }
    }
}

/// A family's paging parameters.
pub trait PagingRules: Send + Sync + 'static {
    /// The position parameter.
    const POSITION: Position;
    /// The page-size parameter.
    const LIMIT: &'static str;
    /// The page size when the parameter is absent.
    const DEFAULT_LIMIT: i64;
    /// The largest page size; larger ones are refused, not clamped, so a client
    /// learns it will not get what it asked for.
    const MAX_LIMIT: i64;

    /// The refusal of a bad value; by default 422 `invalid_input`.
    fn refuse(message: String) -> ApiError {
        ApiError::new(ErrorCode::InvalidInput, message)
    }
}

/// A checked page request. Reads only the paging parameters from the query string:
/// the route's own query type still declares them, so it documents them and refuses
/// unknown parameters, and it runs first so a value of the wrong type is reported the
/// way every other parameter's is.
pub struct Paging<R> {
    /// Page size, 1 to `R::MAX_LIMIT`.
    pub limit: i64,
    /// Items skipped before this page.
    pub offset: i64,
    rules: PhantomData<R>,
}

impl<R: PagingRules> Paging<R> {
    /// Checks raw values against `R`'s bounds; the position is checked first, as the
    /// seeds report a bad page before a bad page size.
    pub fn new(position: Option<i64>, limit: Option<i64>) -> Result<Self, ApiError> {
        let (name, first, max) = match R::POSITION {
            Position::Page { name, max } => (name, 1, max),
            Position::Offset { name, max } => (name, 0, max),
        };
        let position = position.unwrap_or(first);
        if !(first..=max).contains(&position) {
            return Err(
                R::refuse(format!("{name} must be between {first} and {max}"))
                    .at(format!("query.{name}"), position),
            );
        }
        let limit = limit.unwrap_or(R::DEFAULT_LIMIT);
        if !(1..=R::MAX_LIMIT).contains(&limit) {
            return Err(R::refuse(format!(
                "{} must be between 1 and {}",
                R::LIMIT,
                R::MAX_LIMIT
            ))
            .at(format!("query.{}", R::LIMIT), limit));
        }
        let offset = match R::POSITION {
            Position::Page { .. } => (position - 1) * limit,
            Position::Offset { .. } => position,
        };
        Ok(Paging {
            limit,
            offset,
            rules: PhantomData,
        })
    }

    /// The page number from 1 (for page-numbered families).
    pub fn page(&self) -> i64 {
        self.offset / self.limit + 1
    }
}

impl<R: PagingRules, S: Send + Sync> FromRequestParts<S> for Paging<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let position_name = R::POSITION.name();
        let (mut position, mut limit) = (None, None);
        let query = parts.uri.query().unwrap_or("");
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = if key == position_name {
                &mut position
            } else if key == R::LIMIT {
                &mut limit
            } else {
                continue;
            };
            // A field left blank in a form (`?limit=`) means no value.
            if value.is_empty() {
                continue;
            }
            let parsed = value.parse::<i64>().map_err(|_| {
                R::refuse(format!("{key} must be an integer, got {value:?}"))
                    .at(format!("query.{key}"), value.as_ref())
            })?;
            *slot = Some(parsed);
        }
        Paging::new(position, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pages;
    impl PagingRules for Pages {
        const POSITION: Position = Position::Page {
            name: "page",
            max: 1000,
        };
        const LIMIT: &'static str = "limit";
        const DEFAULT_LIMIT: i64 = 20;
        const MAX_LIMIT: i64 = 100;
    }

    struct Offsets;
    impl PagingRules for Offsets {
        const POSITION: Position = Position::Offset {
            name: "offset",
            max: 10_000,
        };
        const LIMIT: &'static str = "limit";
        const DEFAULT_LIMIT: i64 = 50;
        const MAX_LIMIT: i64 = 100;
    }

    #[test]
    fn absent_values_take_the_family_defaults() {
        let p = Paging::<Pages>::new(None, None).unwrap();
        assert_eq!((p.page(), p.limit, p.offset), (1, 20, 0));
        let o = Paging::<Offsets>::new(None, None).unwrap();
        assert_eq!((o.limit, o.offset), (50, 0));
    }

    #[test]
    fn page_three_of_twenty_skips_forty() {
        let p = Paging::<Pages>::new(Some(3), Some(20)).unwrap();
        assert_eq!((p.page(), p.offset), (3, 40));
    }

    #[test]
    fn out_of_range_values_are_refused_naming_the_parameter() {
        let msg = |r: Result<Paging<Pages>, ApiError>| r.err().expect("refused").message;
        assert_eq!(
            msg(Paging::new(Some(0), None)),
            "page must be between 1 and 1000"
        );
        assert_eq!(
            msg(Paging::new(None, Some(101))),
            "limit must be between 1 and 100"
        );
        let err = Paging::<Offsets>::new(Some(-1), None)
            .err()
            .expect("refused");
        assert_eq!(err.message, "offset must be between 0 and 10000");
        assert_eq!(err.code, ErrorCode::InvalidInput);
    }
}
