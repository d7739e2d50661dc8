//! A small dynamic-SQL builder whose placeholders suit the connection's engine:
//! `$1, $2, …` on PostgreSQL, plain `?` on SQLite. (sqlx's `QueryBuilder<Any>` always
//! emits `?`, which PostgreSQL rejects; SQLite treats `$N` as a *named* parameter and
//! resolves names by a linear scan, which made 13,000-parameter bulk inserts 10×
//! slower.) Values are always bound, never formatted into the text.

use sqlx::any::{AnyArguments, AnyQueryResult, AnyRow};
use sqlx::query::{Query, QueryScalar};
use sqlx::{Any, AnyConnection, AssertSqlSafe};

/// A bound value.
#[derive(Clone, Debug)]
pub enum Bind {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
}

impl From<String> for Bind {
    fn from(v: String) -> Self {
        Bind::Text(Some(v))
    }
}
impl From<&str> for Bind {
    fn from(v: &str) -> Self {
        Bind::Text(Some(v.to_owned()))
    }
}
impl From<Option<String>> for Bind {
    fn from(v: Option<String>) -> Self {
        Bind::Text(v)
    }
}
impl From<Option<&str>> for Bind {
    fn from(v: Option<&str>) -> Self {
        Bind::Text(v.map(str::to_owned))
    }
}
impl From<i64> for Bind {
    fn from(v: i64) -> Self {
        Bind::Int(Some(v))
    }
}
impl From<Option<i64>> for Bind {
    fn from(v: Option<i64>) -> Self {
        Bind::Int(v)
    }
}
impl From<bool> for Bind {
    fn from(v: bool) -> Self {
        Bind::Bool(v)
    }
}

/// SQL text with its bound values.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Self {
        Sql {
            text: text.into(),
            binds: Vec::new(),
        }
    }

    /// Text that already holds the placeholders `$1` to `$N` of its `binds`, to
    /// build on (e.g. a fixed statement used as a CTE).
    pub fn prepared(text: impl Into<String>, binds: Vec<Bind>) -> Self {
        Sql {
            text: text.into(),
            binds,
        }
    }

    pub fn push(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.text.push_str(text.as_ref());
        self
    }

    pub fn push_bind(&mut self, v: impl Into<Bind>) -> &mut Self {
        self.binds.push(v.into());
        self.text.push('$');
        self.text.push_str(&self.binds.len().to_string());
        self
    }

    /// Appends items separated by `sep`.
    pub fn separated<'a>(&'a mut self, sep: &'static str) -> Separated<'a> {
        Separated {
            sql: self,
            sep,
            first: true,
        }
    }

    /// Appends `VALUES (…), (…)`, one group per row, filled by `f`.
    pub fn push_values<I: IntoIterator, F: FnMut(Separated<'_>, I::Item)>(
        &mut self,
        rows: I,
        mut f: F,
    ) -> &mut Self {
        self.text.push_str("VALUES ");
        for (i, row) in rows.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.text.push('(');
            f(
                Separated {
                    sql: self,
                    sep: ", ",
                    first: true,
                },
                row,
            );
            self.text.push(')');
        }
        self
    }

    /// The text as written, with `$N` placeholders.
    pub fn sql(&self) -> &str {
        &self.text
    }

    /// The text for `conn`'s engine. Placeholders appear in bind order, so on SQLite
    /// each `$N` becomes a positional `?`. (The text never holds a `$` otherwise: values
    /// are bound, and no dollar-quoting is used.)
    fn text_for(&self, conn: &AnyConnection) -> String {
        if conn.backend_name() != "SQLite" {
            return self.text.clone();
        }
        let mut out = String::with_capacity(self.text.len());
        let mut chars = self.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                out.push('?');
            } else {
                out.push(c);
            }
        }
        out
    }

    fn query(&self, conn: &AnyConnection) -> Query<'static, Any, AnyArguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.text_for(conn)));
        for b in &self.binds {
            q = match b {
                Bind::Text(v) => q.bind(v.clone()),
                Bind::Int(v) => q.bind(*v),
                Bind::Bool(v) => q.bind(*v),
            };
        }
        q
    }

    fn scalar<O>(&self, conn: &AnyConnection) -> QueryScalar<'static, Any, O, AnyArguments>
    where
        O: Send + Unpin,
        (O,): for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        let mut q = sqlx::query_scalar(AssertSqlSafe(self.text_for(conn)));
        for b in &self.binds {
            q = match b {
                Bind::Text(v) => q.bind(v.clone()),
                Bind::Int(v) => q.bind(*v),
                Bind::Bool(v) => q.bind(*v),
            };
        }
        q
    }

    pub async fn execute(&self, conn: &mut AnyConnection) -> Result<AnyQueryResult, sqlx::Error> {
        self.query(conn).execute(conn).await
    }

    pub async fn fetch_all(&self, conn: &mut AnyConnection) -> Result<Vec<AnyRow>, sqlx::Error> {
        self.query(conn).fetch_all(conn).await
    }

    pub async fn fetch_scalar<O>(&self, conn: &mut AnyConnection) -> Result<O, sqlx::Error>
    where
        O: Send + Unpin + for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
        (O,): for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        self.scalar(conn).fetch_one(conn).await
    }
}

/// Items of a list, separated (see [`Sql::separated`]).
pub struct Separated<'a> {
    sql: &'a mut Sql,
    sep: &'static str,
    first: bool,
}

impl Separated<'_> {
    pub fn push_bind(&mut self, v: impl Into<Bind>) -> &mut Self {
        if !self.first {
            self.sql.text.push_str(self.sep);
        }
        self.first = false;
        self.sql.push_bind(v);
        self
    }

    pub fn push_unseparated(&mut self, text: &str) -> &mut Self {
        self.sql.text.push_str(text);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut s = Sql::new("INSERT INTO t (a, b) ");
        s.push_values([(1i64, "x"), (2, "y")], |mut b, (n, t)| {
            b.push_bind(n).push_bind(t);
        });
        s.push(" WHERE c IN (");
        s.separated(", ")
            .push_bind(true)
            .push_bind(false)
            .push_unseparated(")");
        assert_eq!(
            s.sql(),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) WHERE c IN ($5, $6)"
        );
    }
}
