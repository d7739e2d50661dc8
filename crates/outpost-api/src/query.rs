//! What the query parsers of the seed families answer when a query string is refused.

/// Why a list query was refused: the parameter, the value given, and what is wrong
/// with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub param: String,
    pub value: Option<String>,
    pub kind: QueryErrorKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryErrorKind {
    /// A parameter the route does not take.
    Unknown,
    /// A required parameter is missing.
    Missing,
    /// A value of the wrong form or out of range.
    Invalid,
}

impl QueryError {
    pub fn invalid(param: &str, value: &str, message: String) -> Self {
        QueryError {
            param: param.to_owned(),
            value: Some(value.to_owned()),
            kind: QueryErrorKind::Invalid,
            message,
        }
    }
}

/// Parameters that may be given once: remembers which were seen.
#[derive(Debug, Default)]
pub struct Once(Vec<String>);

impl Once {
    /// Refuses `key` the second time it comes.
    pub fn check(&mut self, key: &str, value: &str) -> Result<(), QueryError> {
        if self.0.iter().any(|k| k == key) {
            return Err(QueryError::invalid(
                key,
                value,
                format!("{key} may be given once"),
            ));
        }
        self.0.push(key.to_owned());
        Ok(())
    }
}
