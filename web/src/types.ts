// The shapes of the API's answers that the pages read.
export interface Resources {
  cpu: number;
  memory_bytes: number;
}
export interface NodeInfo {
  id: string;
  address: string;
  is_head: boolean;
  state: string;
  started_at: number;
  resources: { total: Resources; available: Resources };
}
export interface ReplicaStatus {
  id: string;
  node: string;
  state: string;
  ongoing: number;
  health: string;
  consecutive_health_failures: number;
  handled: number;
  errors: number;
  started_at: number;
}
export interface DeploymentStatus {
  name: string;
  deployed: boolean;
  status: string;
  num_replicas: number;
  target_replicas: number;
  starting_replicas: number;
  pending_replicas: number;
  draining_replicas: number;
  healthy_replicas: number;
  min_replicas: number;
  max_replicas: number;
  ongoing: number;
  queued: number;
  requests_total: number;
  errors_total: number;
  average_load: number;
  config: Record<string, number>;
  replicas: ReplicaStatus[];
}
export interface ScalingEvent {
  time: number;
  deployment: string;
  kind: string;
  from: number;
  to: number;
  load: number;
  replica: string;
  reason: string;
}
export interface ClusterStatus {
  node: string;
  role: string;
  status: string;
  store: string;
  cache: string;
  bus: string;
  uptime_s: number;
  token_required: boolean;
  nodes: NodeInfo[];
  deployments: DeploymentStatus[];
  events: ScalingEvent[];
}
export interface Sample {
  time: number;
  target: number;
  running: number;
  starting: number;
  pending: number;
  draining: number;
  ongoing: number;
  queued: number;
  requests_per_s: number;
  error_rate: number;
  p50_ms: number;
  p99_ms: number;
}
export interface LiveEvent {
  time: number;
  samples: Record<string, Sample>;
  status: ClusterStatus;
}
export interface Job {
  id: string;
  kind: string;
  state: string;
  progress: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  params: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
  stop_reason?: string;
}
export interface Bar {
  open_time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}
export interface Trade {
  symbol: string;
  ts_event: string;
  price: number;
  size: number;
}
export interface Instrument {
  symbol: string;
  name: string;
  sector: string;
  asset_class: string;
  currency: string;
}
export interface ParameterSpec {
  type: "int" | "number" | "expression" | "string" | "bool";
  default?: number | string | boolean;
  min?: number;
  max?: number;
}
export interface Algorithm {
  name: string;
  description: string;
  parameters: Record<string, ParameterSpec>;
  enabled: boolean;
}
export type Metrics = Record<string, number | string>;
