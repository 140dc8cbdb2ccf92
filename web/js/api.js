// Talking to the API: fetch with the API's error format (ApiError), words
// for a failed request, a small answer cache, and which failures are worth
// retrying by themselves.

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const err = body && body.error ? body.error : {};
    super(err.message || `The server answered ${status}.`);
    this.status = status;
    this.code = err.code || 'http_' + status;
    this.param = err.param || null;
    this.retryAfter = retryAfter;
  }
}

export async function api(path, signal) {
  const res = await fetch(path, { signal, headers: { Accept: 'application/json' } });
  let body = null;
  try {
    body = await res.json();
  } catch {
    if (res.ok) throw new ApiError(res.status, null);
  }
  if (!res.ok) throw new ApiError(res.status, body, Number(res.headers.get('Retry-After')) || 0);
  return { body, total: Number(res.headers.get('X-Total-Count')) };
}

/** Words for a failed request; null for an aborted one (a newer search replaced it). */
export function describeError(err) {
  if (err.name === 'AbortError') return null;
  if (!(err instanceof ApiError)) return 'isla cannot be reached right now. Check your connection and try again.';
  if (err.status === 503) return 'The search is starting up and has no offers loaded yet. Please try again in a moment.';
  if (err.status === 429) return `Too many searches at once. Try again in ${err.retryAfter || 'a few'} seconds.`;
  if (err.status >= 500) return `Something went wrong on the server (${err.status}). Please try again.`;
  return err.message;
}

// A small cache of answers, so back/forward and re-opened views are instant.
// Entries live a minute: a new data generation shows up soon after.
const cache = new Map();
const CACHE_MAX = 40;
const CACHE_MS = 60000;
export async function cachedApi(path, signal) {
  const hit = cache.get(path);
  if (hit && performance.now() - hit.at < CACHE_MS) return hit.value;
  const value = await api(path, signal);
  cache.set(path, { value, at: performance.now() });
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value);
  return value;
}

/** 503 (no data yet) and 429 (rate limited) pass: retry a few times by itself. */
export function transient(err) {
  return err instanceof ApiError && (err.status === 503 || err.status === 429);
}
export function retryDelay(err, attempt) {
  return err.retryAfter ? err.retryAfter * 1000 : Math.min(1000 * 2 ** attempt, 8000);
}
