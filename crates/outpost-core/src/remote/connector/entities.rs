//! One pull page's entities as a connector builds them from an API's answers: each
//! person, tag and team once, then tickets, conversations and messages, in the order
//! the cache applies a feed page.

use super::person_id;
use outpost_domain::ids::UserId;
use outpost_domain::model::{Conversation, Message, Tag, Team, Ticket, User};
use outpost_domain::sync::{Change, ChangeEntry};
use outpost_domain::values::{EmailAddress, Role};
use std::collections::BTreeMap;

#[derive(Default)]
pub(super) struct Entities {
    users: BTreeMap<UserId, User>,
    tags: BTreeMap<String, Tag>,
    teams: BTreeMap<String, Team>,
    pub conversations: Vec<Conversation>,
    pub tickets: Vec<Ticket>,
    pub messages: Vec<Message>,
}

impl Entities {
    /// The person with this email (see [`person_id`]); the first description of them
    /// in the page stands.
    pub fn person(
        &mut self,
        email: &EmailAddress,
        name: Option<&str>,
        picture: Option<&str>,
        role: Role,
    ) -> UserId {
        let id = person_id(email.as_str());
        self.users.entry(id).or_insert_with(|| User {
            id,
            email: email.clone(),
            name: name
                .filter(|n| !n.trim().is_empty())
                .map_or_else(|| name_of(email), str::to_owned),
            picture: picture.map(str::to_owned),
            role,
            elevated: false,
            support: role != Role::Customer,
            blocked: false,
            version: 1,
        });
        id
    }

    /// A person the API names by something other than an email, under `id`.
    pub fn person_as(
        &mut self,
        id: UserId,
        email: &EmailAddress,
        name: &str,
        role: Role,
    ) -> UserId {
        self.users.entry(id).or_insert_with(|| User {
            id,
            email: email.clone(),
            name: name.to_owned(),
            picture: None,
            role,
            elevated: false,
            support: role != Role::Customer,
            blocked: false,
            version: 1,
        });
        id
    }

    pub fn tag(&mut self, tag: Tag) {
        self.tags.insert(tag.id.to_string(), tag);
    }

    /// A team; its members are the API's user ids, which name nobody here: left out.
    pub fn team(&mut self, mut team: Team) {
        team.member_ids.clear();
        self.teams.insert(team.id.to_string(), team);
    }

    pub fn into_changes(self) -> Vec<ChangeEntry> {
        let entry = |change| ChangeEntry { seq: 0, change };
        let mut out = Vec::new();
        out.extend(self.users.into_values().map(|u| entry(Change::User(u))));
        out.extend(self.tags.into_values().map(|t| entry(Change::Tag(t))));
        out.extend(self.teams.into_values().map(|t| entry(Change::Team(t))));
        out.extend(
            self.tickets
                .into_iter()
                .map(|t| entry(Change::Ticket(Box::new(t)))),
        );
        out.extend(
            self.conversations
                .into_iter()
                .map(|c| entry(Change::Conversation(c))),
        );
        out.extend(self.messages.into_iter().map(|m| entry(Change::Message(m))));
        out
    }
}

/// A name for someone the API shows only by email: the part before the `@`.
pub fn name_of(email: &EmailAddress) -> String {
    email
        .as_str()
        .split('@')
        .next()
        .unwrap_or_default()
        .to_owned()
}
