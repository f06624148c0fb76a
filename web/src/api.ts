// Calls to the node on the page's own origin: the control API and, passed through, the
// services' API. Mutating calls carry the token when one is configured.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "tradecluster.token";
let token = sessionStorage.getItem(TOKEN_KEY) ?? "";
let tokenRequired = false;
const listeners: (() => void)[] = [];

export function setTokenRequired(required: boolean): void {
  if (required === tokenRequired) return;
  tokenRequired = required;
  listeners.forEach((l) => l());
}
export function isTokenRequired(): boolean {
  return tokenRequired;
}
export function setToken(value: string): void {
  token = value;
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  listeners.forEach((l) => l());
}
export function hasToken(): boolean {
  return token !== "";
}
// Whether actions that change anything are possible: no token configured, or we hold it.
export function canMutate(): boolean {
  return !tokenRequired || token !== "";
}
export function onAccessChange(listener: () => void): void {
  listeners.push(listener);
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && token) headers["Authorization"] = `Bearer ${token}`;
  const response = await fetch(path, {
    method,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(response.status, e?.code ?? "http_" + response.status, e?.message ?? (text || response.statusText), e?.details);
  }
  return data as T;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.status})`;
  if (e instanceof Error) return e.message;
  return String(e);
}

// Checks a token against the node: POST /api/auth/check answers 401 without the right one.
export async function checkToken(candidate: string): Promise<boolean> {
  const response = await fetch("/api/auth/check", { method: "POST", headers: { Authorization: `Bearer ${candidate}` } });
  return response.ok;
}
