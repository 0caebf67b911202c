import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { HandlerContext } from './dispatch';
import type { WorkerRecord, WorkerSource } from './types';

/**
 * Loads the workers of every source (inline, or a JSON asset in S3) and merges them (`mergeWorkers`).
 */
export async function loadWorkers(sources: readonly WorkerSource[], ctx: HandlerContext): Promise<WorkerRecord[]> {
  const lists: WorkerRecord[][] = [];
  for (const source of sources) {
    lists.push([...await loadSource(source, ctx)]);
  }
  return mergeWorkers(lists);
}

/**
 * Merges lists by user name (case-insensitive), joining the groups of a worker listed twice. The
 * handler and the plan command merge the same way, so that what is planned is what is applied.
 */
export function mergeWorkers(lists: readonly (readonly WorkerRecord[])[]): WorkerRecord[] {
  const byName = new Map<string, WorkerRecord>();
  for (const list of lists) {
    for (const worker of list) {
      const key = worker.username.toLowerCase();
      const seen = byName.get(key);
      if (seen && seen.email.toLowerCase() !== worker.email.toLowerCase()) {
        // Names no one: failure reasons reach logs and stack events.
        throw new Error('A worker is listed with two different emails; give each worker one user name and email.');
      }
      const groups = [...new Set([...(seen?.groups ?? []), ...(worker.groups ?? [])])];
      byName.set(key, { username: worker.username, email: worker.email, groups });
    }
  }
  return [...byName.values()];
}

async function loadSource(source: WorkerSource, ctx: HandlerContext): Promise<readonly WorkerRecord[]> {
  if (source.Inline) {
    return source.Inline;
  }
  if (!source.Bucket || !source.Key) {
    throw new Error(`A worker source needs Inline workers or a Bucket and Key, got ${JSON.stringify(source)}.`);
  }
  let object;
  try {
    object = await ctx.call(`GetObject s3://${source.Bucket}/${source.Key}`, () =>
      ctx.s3.send(new GetObjectCommand({ Bucket: source.Bucket, Key: source.Key })));
  } catch (error) {
    if ((error as Error).name === 'DeadlineReached') {
      throw error;
    }
    throw Object.assign(new Error(`The worker list s3://${source.Bucket}/${source.Key} cannot be read (${(error as Error).name}: ${(error as Error).message}).`),
      { name: (error as Error).name });
  }
  const text = await object.Body?.transformToString('utf-8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch (error) {
    throw new Error(`The worker list s3://${source.Bucket}/${source.Key} is not JSON (${(error as Error).message}).`);
  }
  if (!Array.isArray(parsed) || !parsed.every((w) => typeof w?.username === 'string' && typeof w?.email === 'string')) {
    throw new Error(`The worker list s3://${source.Bucket}/${source.Key} is not an array of { username, email }.`);
  }
  return parsed as WorkerRecord[];
}
