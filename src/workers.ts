import * as fs from 'fs';
import * as path from 'path';
import type { WorkerRecord } from './handlers/types';
import { WORKER_TYPES } from './private/prop-specs';
import { checkPropTypes, required } from './private/prop-types';
import { normalizeWorkers, NormalizeOptions, parseWorkersCsv, parseWorkersJson, RawWorker } from './private/worker-list';

/**
 * A worker to invite.
 */
export interface Worker {
  /** The worker's email address; the invitation goes there, and it is a sign-in alias. */
  readonly email: string;

  /**
   * The user name: letters, digits, symbols or punctuation, no spaces, at most 128 characters,
   * not an email address.
   *
   * @default - derived from the email: `alice@example.com` becomes `alice_at_example.com`
   */
  readonly username?: string;
}

/**
 * A list of workers: inline, or from a CSV or JSON file. Either way it is validated at synth time
 * (email format, user names, duplicates) and, beyond a handful, shipped as an S3 asset so the
 * template does not grow with the number of workers.
 */
export abstract class Workers {
  /**
   * Workers given in code.
   */
  public static fromList(workers: Worker[]): Workers {
    checkPropTypes({ workers }, { workers: required({ list: { shape: WORKER_TYPES } }) });
    return new ListWorkers(workers);
  }

  /**
   * Workers from a file: CSV with a header row (`email` and optionally `username` columns), or
   * JSON (`.json`: an array of emails or of `{ "email": ..., "username": ... }`).
   *
   * @param filePath the path of the `.csv` or `.json` file
   */
  public static fromFile(filePath: string): Workers {
    checkPropTypes({ filePath }, { filePath: required('string') });
    return new FileWorkers(filePath);
  }

  /**
   * Whether the list must travel as an S3 asset regardless of its size.
   * @internal
   */
  public abstract readonly _alwaysAsset: boolean;

  /**
   * Reads and validates the workers.
   * @internal
   */
  public abstract _load(options: NormalizeOptions): WorkerRecord[];
}

class ListWorkers extends Workers {
  public readonly _alwaysAsset = false;

  constructor(private readonly workers: Worker[]) {
    super();
  }

  public _load(options: NormalizeOptions): WorkerRecord[] {
    const raw: RawWorker[] = this.workers.map((w, index) => ({ email: w.email, username: w.username, origin: { source: 'Workers.fromList', index } }));
    return normalizeWorkers(raw, options);
  }
}

class FileWorkers extends Workers {
  public readonly _alwaysAsset = true;

  constructor(private readonly filePath: string) {
    super();
  }

  public _load(options: NormalizeOptions): WorkerRecord[] {
    const source = `Workers.fromFile(${JSON.stringify(this.filePath)})`;
    let text: string;
    try {
      text = fs.readFileSync(this.filePath, 'utf-8');
    } catch (error) {
      throw new Error(`${source}: cannot read the file (${(error as Error).message}).`);
    }
    const extension = path.extname(this.filePath).toLowerCase();
    if (extension !== '.csv' && extension !== '.json') {
      throw new Error(`${source}: the file must end in .csv or .json, got ${JSON.stringify(extension || 'no extension')}.`);
    }
    const raw = extension === '.json' ? parseWorkersJson(text, source) : parseWorkersCsv(text, source);
    return normalizeWorkers(raw, options);
  }
}
