// Generated from builder/ui/bridge.py by `python -m builder.ui.bridge`: do not edit.
// The messages between the canvas and the editor page (see bridge.py).

/** Approve someone else's request (it publishes), with the map for the customers in flight as `Publish` carries it. */
export interface Approve {
  op: "approve";
  id: number;
  comment?: string;
  moves?: Record<string, Record<string, any>> | null;
  seq?: number | null;
}

/** Who enters the draft: a page of sample customers, after the id `after`. */
export interface AudiencePreview {
  op: "audience";
  after?: number | null;
  id: string;
  revision?: number | null;
}

/** What the editor offers this role (builder.ui.approvals.permissions). */
export interface Can {
  publish: boolean;
  request: boolean;
  approve: boolean;
  pause: boolean;
  previews: boolean;
  required: boolean;
}

/** Everything the canvas draws that Python decides, pushed on every change. */
export interface CanvasState {
  journey: Record<string, any>;
  document: Record<string, any>;
  revision: number | null;
  issues: Array<Issue>;
  ports: Record<string, Array<Port>>;
  segments: Array<Record<string, any>>;
  templates: Array<Record<string, any>>;
  references: Record<string, Array<Record<string, any>>>;
  senders: Record<string, Record<string, any>>;
  ack: number;
  saved: Saved | null;
  notice: Notice | null;
  can: Can;
  approval: Record<string, any> | null;
  versions: Array<Record<string, any>>;
  live: LiveCounts | null;
  preview: Record<string, PreviewAnswer>;
  session: string;
  sending: string | null;
  content: string | null;
  history?: HistoryView | null;
  discovery?: Record<string, any> | null;
  me?: string | null;
}

/** What never changes while the page is open: node kinds, channels (and how texts are counted), palette sections, the settings form, and the workspace's time zone. */
export interface Catalogue {
  kinds: Array<Record<string, any>>;
  channels: Array<Record<string, any>>;
  textCounting: Record<string, any>;
  categories: Array<Record<string, any>>;
  settingsSchema: Record<string, any>;
  timezone: string;
}

/** Back to the draft from a version or a comparison. */
export interface CloseHistory {
  op: "close_history";
  seq?: number | null;
}

/** Show what changed from side `old` to side `new` (a version's number, "live" or "draft"), read-only instead of the draft. */
export interface Compare {
  op: "compare";
  old?: string;
  new?: string;
  seq?: number | null;
}

/** The draft's audience simulated `horizon_days` ahead (None: the default horizon). */
export interface DryRunPreview {
  op: "dry_run";
  horizon_days?: number | null;
  id: string;
  revision?: number | null;
}

/** Whether one customer would enter, and why (not). */
export interface ExplainPreview {
  op: "explain";
  external_id: string;
  id: string;
  revision?: number | null;
}

/** A published version, or a comparison of two sides, drawn read-only instead of the draft (builder.ui.history). */
export interface HistoryView {
  title: string;
  new: string;
  old: string | null;
  number: number | null;
  document: Record<string, any>;
  ports: Record<string, Array<Port>>;
  diff: Record<string, any> | null;
  removed: Array<Record<string, any>>;
  removed_wires: Array<Record<string, any>>;
  live?: LiveCounts | null;
}

/** One problem: a stable code, where it is (node, field) and what to do, in plain words. */
export interface Issue {
  code: string;
  message: string;
  node_id?: string | null;
  field?: string | null;
  severity?: "error" | "warning";
}

/** A published journey's counts: per node, per edge, and in all. */
export interface LiveCounts {
  version: number | null;
  entered: number;
  here: number;
  nodes: Record<string, Record<string, any>>;
  edges: Record<string, number>;
  lifts?: Record<string, PathResult>;
  revenue?: number;
  counted_at?: string | null;
}

/** A message for the marketer (a toast); a new `id` is a new notice. */
export interface Notice {
  id: number;
  kind: string;
  text: string;
  issues?: Array<Issue>;
}

/** One customer's simulated path, with the events they are imagined to do. */
export interface PathPreview {
  op: "path";
  external_id: string;
  events?: Array<Record<string, any>>;
  id: string;
  revision?: number | null;
}

/** How the customers who took one wire converted. */
export interface PathResult {
  rate: number | null;
  lift: number | null;
  control: boolean;
}

/** Pause the live journey, saying why (for the team). */
export interface Pause {
  op: "pause";
  reason?: string;
  seq?: number | null;
}

/** Pause one step of the live journey. */
export interface PauseStep {
  op: "pause_step";
  node: string;
  seq?: number | null;
}

/** One output of a node, as its config makes it (a split's branches). */
export interface Port {
  key: string;
  label: string;
  required: boolean;
  optional: boolean;
}

/** The answer to a preview request: its data, or the error that stopped it. */
export interface PreviewAnswer {
  id: string | null;
  revision: number | null;
  data?: Record<string, any> | null;
  error?: string | null;
  issues?: Array<Issue>;
}

/** Publish the draft; `moves` maps the live version's steps for the customers in flight (the server checks it: server.schemas.flight). */
export interface Publish {
  op: "publish";
  moves?: Record<string, Record<string, any>> | null;
  seq?: number | null;
}

/** Turn a request down (the comment says why). */
export interface Reject {
  op: "reject";
  id: number;
  comment?: string;
  seq?: number | null;
}

/** Load the journey again (after a refusal). */
export interface Reload {
  op: "reload";
  seq?: number | null;
}

/** Rename the journey; made on the name `was` (when given), it is refused if the journey has been renamed to something else since (a rename sent late, after a reconnect). */
export interface Rename {
  op: "rename";
  name: string;
  was?: string | null;
  seq?: number | null;
}

/** Ask a publisher to publish the draft as it is now. */
export interface RequestPublish {
  op: "request";
  comment?: string;
  seq?: number | null;
}

/** Make a published version the draft. */
export interface Restore {
  op: "restore";
  number: number;
  seq?: number | null;
}

/** Resume a paused journey. */
export interface Resume {
  op: "resume";
  seq?: number | null;
}

/** Let a paused step run again. */
export interface ResumeStep {
  op: "resume_step";
  node: string;
  seq?: number | null;
}

/** Save the draft as the canvas has it, made on the server's revision `revision`. */
export interface Save {
  op: "save";
  seq: number;
  revision: number | null;
  document: Record<string, any>;
}

/** The save `seq` was stored as `revision`. */
export interface Saved {
  seq: number;
  revision: number | null;
}

/** Show a published version read-only instead of the draft. */
export interface ShowVersion {
  op: "show_version";
  number: number;
  seq?: number | null;
}

/** Send the live version's customers in flight its templates as they are saved now. */
export interface UpdateContent {
  op: "update_content";
  seq?: number | null;
}

/** Take one's own pending request back. */
export interface Withdraw {
  op: "withdraw";
  id: number;
  seq?: number | null;
}

export type Command = Save | Rename | Publish | Pause | Resume | PauseStep | ResumeStep | RequestPublish | Withdraw | Approve | Reject | UpdateContent | Reload | ShowVersion | Compare | CloseHistory | Restore;
export type PreviewRequest = AudiencePreview | ExplainPreview | PathPreview | DryRunPreview;
