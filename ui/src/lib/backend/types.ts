// Hand-written mirrors of the Rust serde shapes (crates/outpost-core, outpost-domain)
// until the shell's generated bindings.ts replaces them.

export type Uuid = string;
export type DateTime = string;

export type TicketStatus = 'new' | 'open' | 'pending' | 'on_hold' | 'solved' | 'closed';
export type Priority = 'low' | 'medium' | 'high' | 'urgent';
/** Extensible slug (question, incident, problem, task, bug, …). */
export type TicketType = string;
export type MessageType = 'text' | 'html' | 'system' | 'image' | 'file';
export type Delivery = 'pending' | 'sent' | 'failed' | 'conflict';
export type Sort =
  | 'updated_desc'
  | 'updated_asc'
  | 'created_desc'
  | 'created_asc'
  | 'priority_desc'
  | 'number_asc'
  | 'number_desc';

export interface UserRef {
  id: Uuid;
  name: string;
  email: string;
  role: string | null;
}

export interface TeamRef {
  id: Uuid;
  name: string;
}

export interface TicketSummary {
  id: Uuid;
  number: number | null;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  type: string;
  channel: string;
  requester: UserRef | null;
  assignee: UserRef | null;
  team: TeamRef | null;
  tags: string[];
  created_at: DateTime;
  updated_at: DateTime;
  message_count: number;
  pending: number;
  unread: boolean;
}

export interface TicketPage {
  tickets: TicketSummary[];
  total: number;
}

/** `my_open`, `unassigned`, `all_open`, `pending`, `solved`, `team:<uuid>`, `tag:<name>`, `search:<query>`. */
export type View = string;

export interface ViewCount {
  view: View;
  label: string;
  count: number;
}

export interface ListQuery {
  view: View | null;
  search: string | null;
  sort: Sort;
  limit: number | null;
  offset: number;
}

export interface Attachment {
  name: string;
  url: string;
  size: number;
  mime: string;
}

export interface Ticket {
  id: Uuid;
  number: number;
  subject: string;
  description: string;
  summary: string | null;
  status: TicketStatus;
  priority: Priority;
  type: TicketType;
  channel: string;
  requester_id: Uuid;
  assignee_id: Uuid | null;
  team_id: Uuid | null;
  responder_id: Uuid | null;
  responder_kind: 'bot' | 'human' | null;
  circumstance: 'takeover' | 'handover' | null;
  related_order_id: string | null;
  related_delivery_id: string | null;
  products: number[];
  tag_ids: Uuid[];
  conversation_id: Uuid;
  follow_up_of: Uuid | null;
  message_count: number;
  pending_message_count: number;
  removed: boolean;
  created_at: DateTime;
  updated_at: DateTime;
  ongoing_at: DateTime | null;
  solved_at: DateTime | null;
  closed_at: DateTime | null;
  version: number;
  field_versions: Record<string, number>;
}

export interface MessageView {
  id: Uuid;
  sender: UserRef | null;
  content: string;
  message_type: MessageType;
  internal: boolean;
  system: boolean;
  parent_message_id: Uuid | null;
  attachments: Attachment[];
  created_at: DateTime;
  delivery: Delivery | null;
  delivery_error: string | null;
}

export interface HistoryView {
  id: Uuid;
  ticket_id: Uuid;
  field_changed: string;
  old_value: string | null;
  new_value: string | null;
  changed_by: Uuid | null;
  created_at: DateTime;
  changed_by_user: UserRef | null;
  old_label: string | null;
  new_label: string | null;
}

export interface ParticipantView {
  user_id: Uuid;
  user: UserRef | null;
  role: 'member' | 'admin';
  last_read_message_id: Uuid | null;
}

export interface Draft {
  ticket_id: Uuid;
  body: string;
  internal: boolean;
  updated_at: DateTime;
}

export interface TicketDetail {
  ticket: Ticket;
  number: number | null;
  tags: string[];
  requester: UserRef | null;
  assignee: UserRef | null;
  team: TeamRef | null;
  pending: number;
  conversation: MessageView[];
  history: HistoryView[];
  participants: ParticipantView[];
  draft: Draft | null;
}

export interface SnippetPart {
  text: string;
  hit: boolean;
}

export interface SearchHit {
  ticket: TicketSummary;
  matched: 'ticket' | 'message' | 'filters';
  snippet: SnippetPart[];
}

export interface SavedSearch {
  id: Uuid;
  name: string;
  query: string;
  created_at: DateTime;
}

export interface Holder {
  user_id: Uuid;
  email: string;
  name: string;
  since: DateTime;
}

export interface FieldConflict {
  field: string;
  base_version: number;
  current_version: number;
  current_value: unknown;
}

export interface ConflictDetails {
  holder?: Holder;
  fields?: FieldConflict[];
  ticket_status?: TicketStatus;
}

export type ConflictKind = 'claim' | 'fields' | 'closed_reply' | 'ticket_closed' | 'rejected';

export interface ConflictView {
  id: string;
  seq: number;
  ticket_id: Uuid | null;
  ticket_number: number | null;
  ticket_subject: string | null;
  kind: ConflictKind;
  code: string;
  message: string;
  details: ConflictDetails | null;
  mutation: unknown;
  choices: string[];
  created_at: string;
  resolved_at: string | null;
  resolution: string | null;
}

export interface OutboxEntry {
  seq: number;
  id: Uuid;
  name: string;
  ticket_id: Uuid | null;
  state: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  delivery: Delivery;
}

export interface SyncState {
  online: boolean;
  syncing: boolean;
  last_error: string | null;
  last_error_code: string | null;
}

export interface Status {
  server: string;
  email: string;
  user_id: Uuid;
  online: boolean;
  last_sync_at: string | null;
  cursor: string | null;
  bootstrapped: boolean;
  pending: number;
  conflicts: number;
  tickets: number;
  messages: number;
  cache_bytes: number;
  last_error: string | null;
}

export interface SyncReport {
  pushed: number;
  applied: number;
  rejected: number;
  pages: number;
  tickets: number;
  messages: number;
  rebootstrapped: boolean;
}

export interface ActionResult {
  seq: number;
  mutation_id: string;
  ticket_id: Uuid | null;
  message_id: Uuid | null;
}

export interface TicketEdit {
  subject: string | null;
  description: string | null;
  status: TicketStatus | null;
  priority: Priority | null;
  type: TicketType | null;
}

export interface NewTicket {
  subject: string;
  description: string;
  priority: Priority | null;
  type: TicketType | null;
  requester_email: string | null;
  assign_to_me: boolean;
  tags: string[];
}

export type DeskEvent =
  | ({ type: 'sync_state' } & SyncState)
  | { type: 'changed'; tickets: Uuid[] }
  | { type: 'progress'; tickets: number; messages: number; done: boolean }
  | { type: 'conflicts'; ids: string[] }
  | { type: 'delivered'; applied: number; rejected: number }
  | { type: 'assigned'; ticket_id: Uuid };

export interface DemoAccount {
  email: string;
  password: string;
  tenant: string;
}

export interface AppInfo {
  version: string;
  default_server: string | null;
  demo: DemoAccount | null;
}

export interface Account {
  server: string;
  email: string;
  tenant: string | null;
  name: string;
  user_id: Uuid;
}

export interface Directory {
  agents: UserRef[];
  teams: TeamRef[];
  tags: string[];
}

export interface Settings {
  cache_bytes: number;
  profile_dir: string;
  server: string;
  email: string;
}
