//! The search language of the search box and the CLI: free-text words and quoted
//! phrases, plus field filters.
//!
//! ```text
//! refund "double charge" status:open,pending assignee:me tag:billing tag:vip
//! priority:high type:bug team:"Tier 2" requester:ann@example.com #1042
//! ```
//!
//! Values of one field separated by commas match any of them (`status:open,pending`);
//! repeated `tag:` filters must all match. A filter value may be quoted
//! (`team:"Tier 2"`). A word that looks like `name:value` with an unknown name is an
//! error rather than silently searched as text, so a typo in a field never widens the
//! result; to search for such text, quote it (`"re:refund"`).
//!
//! Free text is turned into an FTS5 MATCH expression by [`SearchQuery::fts_match`],
//! which quotes every term as a phrase: nothing the agent types can reach FTS5's own
//! syntax (`OR`, `NEAR(`, `*`, `^`, column filters).

use crate::error::{CoreError, Result};
use outpost_domain::values::{EmailAddress, Priority, Status, TicketType, parse_tag_name};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The field names the language knows, in the order error messages list them.
pub const FIELDS: &[&str] = &[
    "status",
    "assignee",
    "tag",
    "priority",
    "type",
    "team",
    "requester",
    "number",
];

/// One free-text term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum Term {
    /// A bare word.
    Word(String),
    /// A `"quoted phrase"`: its words must appear together, in order.
    Phrase(String),
}

impl Term {
    pub fn text(&self) -> &str {
        match self {
            Term::Word(s) | Term::Phrase(s) => s,
        }
    }
}

/// `assignee:` filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "email", rename_all = "snake_case")]
pub enum AssigneeFilter {
    /// `assignee:me`: the signed-in agent.
    Me,
    /// `assignee:none`: nobody.
    None,
    /// `assignee:EMAIL`.
    Email(EmailAddress),
}

/// A parsed search: free text plus filters. Every filter present must match (AND);
/// the values inside one list filter are alternatives (OR), except `tags`, which must
/// all be on the ticket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Free-text terms, all of which must match (subject, description or a message).
    pub text: Vec<Term>,
    /// `status:` values (any of).
    pub statuses: Vec<Status>,
    /// `assignee:`.
    pub assignee: Option<AssigneeFilter>,
    /// `tag:` names (all of), normalized lowercase.
    pub tags: Vec<String>,
    /// `priority:` values (any of).
    pub priorities: Vec<Priority>,
    /// `type:` values (any of).
    pub types: Vec<TicketType>,
    /// `team:` names (any of; compared case-insensitively).
    pub teams: Vec<String>,
    /// `requester:EMAIL`.
    pub requester: Option<EmailAddress>,
    /// `number:1042` or `#1042`.
    pub number: Option<i64>,
    /// The input ended inside the last word (no trailing space): while typing, that
    /// word is matched as a prefix.
    pub last_word_open: bool,
}

impl FromStr for SearchQuery {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        SearchQuery::parse(s)
    }
}

/// A lexical token: its text, whether it was quoted, and for `field:value` tokens the
/// field name.
struct Token {
    field: Option<String>,
    value: String,
    quoted: bool,
}

fn tokenize(input: &str) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(tokens);
        }
        // A token is `"phrase"`, `field:value`, `field:"value"` or a word.
        let mut head = String::new();
        let mut field = None;
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            if c == '"' && head.is_empty() {
                chars.next();
                quoted = true;
                // An unclosed quote runs to the end of the input (the agent is typing).
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    head.push(c);
                }
                break;
            }
            chars.next();
            if c == ':'
                && field.is_none()
                && !head.is_empty()
                && head.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
            {
                field = Some(std::mem::take(&mut head).to_ascii_lowercase());
                continue;
            }
            head.push(c);
        }
        match field {
            // `word:` with nothing after it is text (e.g. "re:"), not an empty filter.
            Some(f) if head.is_empty() && !quoted => tokens.push(Token {
                field: None,
                value: format!("{f}:"),
                quoted: false,
            }),
            field => tokens.push(Token {
                field,
                value: head,
                quoted,
            }),
        }
    }
}

fn invalid(field: &str, value: &str, expected: &str) -> CoreError {
    CoreError::InvalidInput(format!(
        "{field}:{value} is not a valid filter; {field} must be {expected}"
    ))
}

fn parse_enum_list<T: FromStr + Copy + PartialEq>(
    field: &str,
    value: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    into: &mut Vec<T>,
) -> Result<()> {
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let v = part.to_ascii_lowercase().parse::<T>().map_err(|_| {
            let names: Vec<_> = all.iter().map(|v| name(*v)).collect();
            invalid(field, part, &format!("one of {}", names.join(", ")))
        })?;
        if !into.contains(&v) {
            into.push(v);
        }
    }
    Ok(())
}

fn parse_number(field: &str, value: &str) -> Result<i64> {
    value
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| invalid(field, value, "a ticket number such as 1042 or #1042"))
}

fn once<T>(slot: &mut Option<T>, field: &str, v: T) -> Result<()> {
    if slot.is_some() {
        return Err(CoreError::InvalidInput(format!(
            "{field}: is given twice; use it once"
        )));
    }
    *slot = Some(v);
    Ok(())
}

impl SearchQuery {
    /// Parse the search box / CLI syntax described in the module docs.
    ///
    /// Errors ([`CoreError::InvalidInput`]) name the offending field and list the
    /// valid fields or values.
    pub fn parse(input: &str) -> Result<Self> {
        let mut q = SearchQuery::default();
        let tokens = tokenize(input)?;
        let ends_open = input.ends_with(|c: char| !c.is_whitespace() && c != '"');
        let count = tokens.len();
        for (i, tok) in tokens.into_iter().enumerate() {
            let Some(field) = tok.field else {
                if tok.quoted {
                    if !tok.value.trim().is_empty() {
                        q.text.push(Term::Phrase(tok.value.trim().to_owned()));
                    }
                } else if let Some(n) = tok.value.strip_prefix('#')
                    && !n.is_empty()
                    && n.bytes().all(|b| b.is_ascii_digit())
                {
                    once(&mut q.number, "number", parse_number("number", n)?)?;
                } else {
                    q.text.push(Term::Word(tok.value));
                    if i + 1 == count {
                        q.last_word_open = ends_open;
                    }
                }
                continue;
            };
            let value = tok.value.trim();
            match field.as_str() {
                "status" => parse_enum_list(
                    "status",
                    value,
                    Status::ALL,
                    Status::as_str,
                    &mut q.statuses,
                )?,
                "priority" => parse_enum_list(
                    "priority",
                    value,
                    Priority::ALL,
                    Priority::as_str,
                    &mut q.priorities,
                )?,
                "type" => {
                    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        let t = TicketType::parse(&part.to_ascii_lowercase()).map_err(|_| {
                            invalid(
                                "type",
                                part,
                                &format!(
                                    "a type name of a-z, 0-9 and _ such as {}",
                                    TicketType::KNOWN.join(", ")
                                ),
                            )
                        })?;
                        if !q.types.contains(&t) {
                            q.types.push(t);
                        }
                    }
                }
                "assignee" => {
                    let a = match value.to_ascii_lowercase().as_str() {
                        "me" => AssigneeFilter::Me,
                        "none" | "nobody" | "unassigned" => AssigneeFilter::None,
                        _ => AssigneeFilter::Email(EmailAddress::parse(value).map_err(|_| {
                            invalid("assignee", value, "me, none or an email address")
                        })?),
                    };
                    once(&mut q.assignee, "assignee", a)?;
                }
                "requester" => {
                    let e = EmailAddress::parse(value)
                        .map_err(|_| invalid("requester", value, "an email address"))?;
                    once(&mut q.requester, "requester", e)?;
                }
                "tag" => {
                    for part in value.split(',').filter(|p| !p.trim().is_empty()) {
                        let t = parse_tag_name(part)
                            .map_err(|e| invalid("tag", part, &format!("a tag name ({e})")))?;
                        if !q.tags.contains(&t) {
                            q.tags.push(t);
                        }
                    }
                }
                "team" => {
                    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        q.teams.push(part.to_owned());
                    }
                }
                "number" => once(&mut q.number, "number", parse_number("number", value)?)?,
                other => {
                    return Err(CoreError::InvalidInput(format!(
                        "unknown search field {other:?}; valid fields are {} \
                         (to search for the text itself, put it in quotes)",
                        FIELDS.join(", ")
                    )));
                }
            }
        }
        Ok(q)
    }

    /// No text and no filter: matches every ticket.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && !self.has_filters()
    }

    /// At least one field filter is set.
    pub fn has_filters(&self) -> bool {
        !self.statuses.is_empty()
            || self.assignee.is_some()
            || !self.tags.is_empty()
            || !self.priorities.is_empty()
            || !self.types.is_empty()
            || !self.teams.is_empty()
            || self.requester.is_some()
            || self.number.is_some()
    }

    /// The free text as a safe FTS5 MATCH expression, or `None` when there is no
    /// searchable text.
    ///
    /// Every term becomes a double-quoted FTS5 string (inner quotes doubled), so
    /// operators and special characters typed by the agent are plain text to FTS5.
    /// Terms are ANDed. With `prefix_last` and [`Self::last_word_open`], the last word
    /// matches as a prefix (`"refu"*`) for search-as-you-type. Terms without any
    /// letter or digit are dropped: the tokenizer would reduce them to nothing.
    pub fn fts_match(&self, prefix_last: bool) -> Option<String> {
        let open =
            prefix_last && self.last_word_open && matches!(self.text.last(), Some(Term::Word(_)));
        let mut out = String::new();
        for (i, term) in self.text.iter().enumerate() {
            if !term.text().chars().any(char::is_alphanumeric) {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push('"');
            out.push_str(&term.text().replace('"', "\"\""));
            out.push('"');
            if open && i + 1 == self.text.len() {
                out.push('*');
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &str) -> String {
        match SearchQuery::parse(input) {
            Err(CoreError::InvalidInput(m)) => m,
            other => panic!("{input:?} should be invalid input, got {other:?}"),
        }
    }

    #[test]
    fn parses_text_phrases_and_every_filter() {
        let q = SearchQuery::parse(
            r#"refund "double charge" status:open,pending assignee:me tag:Billing tag:vip priority:high type:bug team:"Tier 2" requester:Ann@Example.com #1042"#,
        )
        .unwrap();
        assert_eq!(
            q.text,
            vec![
                Term::Word("refund".into()),
                Term::Phrase("double charge".into())
            ]
        );
        assert_eq!(q.statuses, vec![Status::Open, Status::Pending]);
        assert_eq!(q.assignee, Some(AssigneeFilter::Me));
        assert_eq!(
            q.tags,
            vec!["billing", "vip"],
            "tags are normalized lowercase"
        );
        assert_eq!(q.priorities, vec![Priority::High]);
        assert_eq!(q.types, vec![TicketType::parse("bug").unwrap()]);
        assert_eq!(q.teams, vec!["Tier 2"]);
        assert_eq!(q.requester.unwrap().as_str(), "ann@example.com");
        assert_eq!(q.number, Some(1042));
        assert!(!q.last_word_open, "input ended with a filter, not a word");
    }

    #[test]
    fn assignee_forms() {
        let q = SearchQuery::parse("assignee:none").unwrap();
        assert_eq!(q.assignee, Some(AssigneeFilter::None));
        let q = SearchQuery::parse("assignee:agent2@demo.test").unwrap();
        assert!(
            matches!(q.assignee, Some(AssigneeFilter::Email(e)) if e.as_str() == "agent2@demo.test")
        );
        assert!(err("assignee:bob").contains("me, none or an email"));
        assert!(err("assignee:me assignee:none").contains("twice"));
    }

    #[test]
    fn number_filter_forms() {
        assert_eq!(
            SearchQuery::parse("number:1042").unwrap().number,
            Some(1042)
        );
        assert_eq!(SearchQuery::parse("number:#7").unwrap().number, Some(7));
        assert!(err("number:abc").contains("ticket number"));
        // `#` followed by non-digits is just text.
        let q = SearchQuery::parse("#abc").unwrap();
        assert_eq!(q.text, vec![Term::Word("#abc".into())]);
    }

    #[test]
    fn unknown_field_names_the_field_and_the_valid_ones() {
        let m = err("stauts:open");
        assert!(m.contains("\"stauts\""), "names the bad field: {m}");
        assert!(
            m.contains("status, assignee, tag"),
            "lists the valid fields: {m}"
        );
    }

    #[test]
    fn bad_value_lists_valid_values() {
        let m = err("status:foo");
        assert!(m.contains("status:foo"), "{m}");
        assert!(
            m.contains("new, open, pending, on_hold, solved, closed"),
            "lists valid statuses: {m}"
        );
        assert!(err("priority:asap").contains("low, medium, high, urgent"));
        assert!(err("requester:nobody").contains("email"));
    }

    #[test]
    fn colon_words_that_are_not_fields_can_be_quoted() {
        let q = SearchQuery::parse(r#""http://x.test/a" re:"#).unwrap();
        assert_eq!(
            q.text,
            vec![
                Term::Phrase("http://x.test/a".into()),
                Term::Word("re:".into())
            ]
        );
    }

    #[test]
    fn fts_expression_quotes_every_term_and_prefixes_the_open_word() {
        let q = SearchQuery::parse("double charge refu").unwrap();
        assert!(q.last_word_open);
        assert_eq!(q.fts_match(true).unwrap(), r#""double" "charge" "refu"*"#);
        assert_eq!(q.fts_match(false).unwrap(), r#""double" "charge" "refu""#);
        let q = SearchQuery::parse("refund ").unwrap();
        assert_eq!(
            q.fts_match(true).unwrap(),
            r#""refund""#,
            "word was finished"
        );
        let q = SearchQuery::parse(r#"refund "late deliv"#).unwrap();
        assert_eq!(
            q.fts_match(true).unwrap(),
            r#""refund" "late deliv""#,
            "phrases are never prefixed"
        );
    }

    #[test]
    fn fts_syntax_in_input_stays_text() {
        for input in [
            r#"a"b"#,
            "foo OR bar",
            "NEAR(foo bar)",
            "foo*",
            "subject:x",
            "^start",
            "-not",
            "a AND NOT b",
            "{subject}: x",
        ] {
            let Ok(q) = SearchQuery::parse(input) else {
                continue;
            };
            let m = q.fts_match(true).unwrap();
            // Every term is inside quotes; outside them only spaces and a final `*`.
            let mut outside = String::new();
            let mut inside = false;
            for c in m.chars() {
                if c == '"' {
                    inside = !inside;
                } else if !inside {
                    outside.push(c);
                }
            }
            assert!(
                outside.chars().all(|c| c == ' ' || c == '*'),
                "{input:?} → {m:?} leaks syntax: {outside:?}"
            );
        }
        let q = SearchQuery::parse(r#"a"b"#).unwrap();
        assert_eq!(
            q.fts_match(false).unwrap(),
            r#""a""b""#,
            "inner quote doubled"
        );
    }

    #[test]
    fn punctuation_only_terms_are_dropped() {
        let q = SearchQuery::parse(r#"* " ( -"#).unwrap();
        assert_eq!(q.fts_match(true), None);
        assert!(SearchQuery::parse("   ").unwrap().is_empty());
    }
}
