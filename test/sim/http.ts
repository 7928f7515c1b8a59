/** Small fetch helpers for the simulator tests: every call goes to the simulator on 127.0.0.1. */

export interface Answer {
  status: number;
  text: string;
  /** Parsed JSON, or undefined when the body was empty. */
  json: unknown;
  headers: Headers;
}

/** Sends one request and reads the whole answer. */
export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, text, json: text === '' ? undefined : (JSON.parse(text) as unknown), headers: res.headers };
}

/** `POST {base}/api/v1/{id}/ping/` with `{"pings": n}`. */
export function createPing(base: string, id: number | string, pings: unknown = 4, headers: Record<string, string> = {}): Promise<Answer> {
  return call(`${base}/api/v1/${id}/ping/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ pings }),
  });
}

/** The task id of a creation answer in either shape. */
export function taskIdOf(a: Answer): string {
  const body = a.json as { task_id?: string; data?: { task_id?: string } };
  const id = body.data?.task_id ?? body.task_id;
  if (typeof id !== 'string') throw new Error(`no task id in ${a.text}`);
  return id;
}

/** `GET {base}/api/v1/ping/{task}/`. */
export function poll(base: string, taskId: string, headers: Record<string, string> = {}): Promise<Answer> {
  return call(`${base}/api/v1/ping/${taskId}/`, { headers });
}
