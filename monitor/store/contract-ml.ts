/**
 * The ML-monitoring half of the storage contract: profiles added up per bucket, registered baselines, delayed labels,
 * alert rules and events, and the webhook outbox. `MonitorStore` (./contract.ts) extends these.
 *
 * @example
 * ```ts
 * const rows = await store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from, to, slices: "overall" });
 * ```
 */
import type { Baseline } from "../../core/schema/baseline.ts";
import type { Profile } from "../../core/stats/profile-schema.ts";
import type { AlertRule } from "../schema/rules.ts";
import type { ModelConfig } from "../schema/model-config.ts";

/** One stored profile: everything one (deployment, version, slice value) served in one bucket. */
export interface ProfileRow {
  bucket: number;
  /** "" for the overall profile. */
  sliceKey: string;
  sliceValue: string;
  rows: number;
  profile: Profile;
}

interface ProfileQuery {
  deployment: string;
  model: string;
  version: string;
  /** Inclusive start and exclusive end (epoch ms) of the buckets read. */
  from: number;
  to: number;
  /** "overall" reads only the overall profiles, "all" every slice too, another string that slice feature only. */
  slices: "overall" | "all" | { key: string };
}

interface ProfileSeries {
  model: string;
  version: string;
  firstBucket: number;
  lastBucket: number;
}

export interface BaselineRecord {
  deployment: string;
  model: string;
  version: string;
  baseline: Baseline;
  config: ModelConfig;
  registeredAt: number;
}

export type LabelValue = string | number | boolean;

interface LabelItem {
  requestId: string;
  /** Position of the instance in its request (0 for single-instance requests). */
  index: number;
  label: LabelValue;
}

/** A sampled row with its delayed label. */
export interface LabeledSample {
  ts: number;
  model: string;
  version: string;
  requestId: string;
  index: number;
  prediction: unknown;
  features: Record<string, unknown> | null;
  slices: Record<string, string> | null;
  label: LabelValue;
}

export interface AlertEvent {
  id: number;
  ruleId: string;
  deployment: string;
  kind: string;
  /** What fired: a feature ("age"), "prediction", "overall", or a slice ("sex=male"). */
  subject: string;
  model: string;
  version: string;
  state: "open" | "resolved";
  openedAt: number;
  resolvedAt: number | null;
  value: number | null;
  threshold: number | null;
  message: string;
  details: Record<string, unknown>;
}

type NewAlertEvent = Omit<AlertEvent, "id" | "state" | "resolvedAt">;

interface WebhookAttempt {
  attempt: number;
  at: number;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  id: number;
  eventId: number;
  ruleId: string;
  url: string;
  type: "alert.opened" | "alert.resolved";
  payload: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  log: WebhookAttempt[];
}

export interface MlStore {
  /** Length of a profile bucket (ms): the finest drift step. */
  readonly profileBucketMs: number;
  profiles(query: ProfileQuery): Promise<ProfileRow[]>;
  /** Model versions of a deployment that have profiles, newest traffic first. */
  profileSeries(deployment: string): Promise<ProfileSeries[]>;

  putBaseline(record: BaselineRecord): Promise<void>;
  baseline(deployment: string, model: string, version: string): Promise<BaselineRecord | undefined>;
  /** Registered baselines (of one deployment), newest registration first. */
  baselines(deployment?: string): Promise<BaselineRecord[]>;

  /** Store (or replace) labels; `matched` counts those whose sampled row is already stored. */
  putLabels(deployment: string, items: readonly LabelItem[], receivedAt: number): Promise<{ stored: number; matched: number }>;
  /** Sampled rows with a label, sample time in [from, to), joined at read time. */
  labeledSamples(query: { deployment: string; model?: string | undefined; version?: string | undefined; from: number; to: number }): Promise<LabeledSample[]>;

  listRules(deployment?: string): Promise<AlertRule[]>;
  getRule(id: string): Promise<AlertRule | undefined>;
  /** Insert or replace. */
  putRule(rule: AlertRule): Promise<void>;
  /** Insert unless a rule with this id exists; true when inserted. */
  insertRuleIfAbsent(rule: AlertRule): Promise<boolean>;
  deleteRule(id: string): Promise<boolean>;

  openEvents(ruleId?: string): Promise<AlertEvent[]>;
  insertEvent(event: NewAlertEvent): Promise<AlertEvent>;
  resolveEvent(id: number, at: number, message?: string): Promise<AlertEvent | undefined>;
  listEvents(query: { deployment?: string | undefined; state?: "open" | "resolved" | undefined; limit: number }): Promise<AlertEvent[]>;

  enqueueDelivery(d: { eventId: number; ruleId: string; url: string; type: WebhookDelivery["type"]; payload: string; at: number }): Promise<number>;
  dueDeliveries(now: number, limit: number): Promise<WebhookDelivery[]>;
  recordAttempt(
    id: number,
    attempt: WebhookAttempt,
    next: { status: WebhookDelivery["status"]; nextAttemptAt: number; deliveredAt: number | null },
  ): Promise<void>;
  listDeliveries(query: { eventId?: number | undefined; limit: number }): Promise<WebhookDelivery[]>;
}
