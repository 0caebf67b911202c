import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { planSettings, PlanSettings } from '../handlers/access-plan';
import { FENCE_TABLE_ENV, INVITATION_SENDER_RESOURCE_TYPE } from '../handlers/types';
import type { InvitationSenderProperties, WorkerRecord, WorkerSource } from '../handlers/types';
import { mergeWorkers } from '../handlers/worker-sources';

type Json = Record<string, any>;

/** A stack of a cloud assembly. */
export interface AssemblyStack {
  /** The artifact id (what `cdk deploy <id>` takes). */
  readonly id: string;
  readonly stackName: string;
  /** From the artifact's environment; undefined for an environment-agnostic stack. */
  readonly account?: string;
  readonly region?: string;
  readonly template: Json;
  /** The assembly folder the stack's files are in. */
  readonly assemblyDir: string;
  /** Construct paths by logical id (the artifact's `aws:cdk:logicalId` metadata). */
  readonly paths: ReadonlyMap<string, string>;
}

/** An InvitationSender as a cloud assembly has it: what its deploy would be given. */
export interface AssemblySender {
  readonly stack: AssemblyStack;
  readonly logicalId: string;
  /** The sender's construct path (from the assembly's metadata), or the logical id. */
  readonly path: string;
  /** Its settings, read from its properties as the handler reads them. */
  readonly settings: PlanSettings;
  readonly workers: WorkerRecord[];
  /** The pool: its id when the template names it, or the logical id of the pool the stack makes. */
  readonly pool: { readonly id?: string; readonly logicalId?: string };
  /** The template properties of the pool the stack makes (its sign-in rules), when it makes it. */
  readonly poolProperties?: Json;
  /** The logical id of the stack's fence table (from the handler's environment), when found. */
  readonly fenceTableLogicalId?: string;
}

/** A cloud assembly the command cannot read. */
export class AssemblyError extends Error {}

/** The stacks of a cloud assembly (nested assemblies too, for stages). */
export function readStacks(dir: string): AssemblyStack[] {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new AssemblyError(`${dir} is not a cloud assembly (no manifest.json): synthesize first (cdk synth), or pass --app.`);
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf-8'));
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries<Json>(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly') {
      stacks.push(...readStacks(join(dir, artifact.properties.directoryName)));
    } else if (artifact.type === 'aws:cloudformation:stack') {
      const [, account, region] = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '') ?? [];
      stacks.push({
        id,
        stackName: artifact.properties?.stackName ?? id,
        account: account && !account.startsWith('unknown') ? account : undefined,
        region: region && !region.startsWith('unknown') ? region : undefined,
        template: JSON.parse(readFileSync(join(dir, artifact.properties.templateFile), 'utf-8')),
        assemblyDir: dir,
        paths: pathsOf(dir, artifact),
      });
    }
  }
  return stacks;
}

/** The construct path of each logical id, from the artifact's metadata (inline, or in its metadata file). */
function pathsOf(dir: string, artifact: Json): Map<string, string> {
  const metadata: Record<string, Json[]> = {
    ...artifact.metadata,
    ...(artifact.additionalMetadataFile && existsSync(join(dir, artifact.additionalMetadataFile))
      ? JSON.parse(readFileSync(join(dir, artifact.additionalMetadataFile), 'utf-8')) : {}),
  };
  const paths = new Map<string, string>();
  for (const [path, entries] of Object.entries(metadata)) {
    for (const entry of entries ?? []) {
      if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') {
        // The sender's construct, not its CloudFormation child (`…/Resource/Default`).
        paths.set(entry.data, path.replace(/^\//, '').replace(/\/Resource(\/Default)?$/, ''));
      }
    }
  }
  return paths;
}

/** Every InvitationSender of the assembly, found by its custom-resource type, with its workers loaded from the assembly. */
export function readSenders(dir: string): AssemblySender[] {
  return readStacks(dir).flatMap((stack) => sendersOf(stack, stack.assemblyDir));
}

function sendersOf(stack: AssemblyStack, dir: string): AssemblySender[] {
  const resources: Record<string, Json> = stack.template.Resources ?? {};
  const senders: AssemblySender[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== INVITATION_SENDER_RESOURCE_TYPE) {
      continue;
    }
    const props = resource.Properties as InvitationSenderProperties & Json;
    let settings: PlanSettings;
    try {
      settings = planSettings(props);
    } catch (error) {
      throw new AssemblyError(`${stack.id}/${logicalId}: ${(error as Error).message}`);
    }
    const poolRef = props.UserPoolId as unknown;
    const pool = typeof poolRef === 'string' ? { id: poolRef }
      : (poolRef as Json)?.Ref ? { logicalId: (poolRef as Json).Ref as string } : {};
    senders.push({
      stack,
      logicalId,
      path: stack.paths.get(logicalId) ?? logicalId,
      settings,
      workers: mergeWorkers((props.WorkerSources ?? []).map((source: WorkerSource) => loadSource(stack, dir, logicalId, source))),
      pool,
      poolProperties: pool.logicalId ? resources[pool.logicalId]?.Properties ?? {} : undefined,
      fenceTableLogicalId: fenceTableOf(resources, props.ServiceToken),
    });
  }
  return senders;
}

/** The workers of one source: inline, or the asset file the assembly stages for its S3 object. */
function loadSource(stack: AssemblyStack, dir: string, logicalId: string, source: WorkerSource): WorkerRecord[] {
  if (source.Inline) {
    return source.Inline;
  }
  const key = typeof source.Key === 'string' ? source.Key : undefined;
  const file = key && assetFileFor(dir, stack.id, key);
  if (!file) {
    throw new AssemblyError(`${stack.id}/${logicalId}: the worker list's asset (${key ?? 'unknown key'}) is not in the cloud assembly: synthesize again.`);
  }
  const parsed = JSON.parse(readFileSync(file, 'utf-8'));
  if (!Array.isArray(parsed)) {
    throw new AssemblyError(`${stack.id}/${logicalId}: the worker list's asset is not an array of workers.`);
  }
  return parsed as WorkerRecord[];
}

/** The staged file of the asset whose S3 object key is `key`, from the stack's asset manifest. */
function assetFileFor(dir: string, stackId: string, key: string): string | undefined {
  const manifest = join(dir, `${stackId}.assets.json`);
  if (existsSync(manifest)) {
    const files = JSON.parse(readFileSync(manifest, 'utf-8')).files ?? {};
    for (const asset of Object.values<Json>(files)) {
      if (Object.values<Json>(asset.destinations ?? {}).some((d) => d.objectKey === key)) {
        return join(dir, asset.source.path);
      }
    }
  }
  // Older assemblies: the staged file is named after the object key's hash.
  const staged = join(dir, `asset.${key}`);
  return existsSync(staged) ? staged : undefined;
}

/** The logical id of the fence table the sender's handler function names in its environment. */
function fenceTableOf(resources: Record<string, Json>, serviceToken: unknown): string | undefined {
  const fn = (serviceToken as Json)?.['Fn::GetAtt']?.[0];
  const ref = resources[fn]?.Properties?.Environment?.Variables?.[FENCE_TABLE_ENV];
  return typeof ref?.Ref === 'string' ? ref.Ref : undefined;
}
