import { MooringError } from '../core/errors.js';
import type { Step } from '../core/errors.js';
import type { KubeObject, ObjectRef } from '../core/objects.js';
import { refOf, subjectOf, versionOf } from '../core/objects.js';
import type { KubeClient } from './client.js';
import type { Discovery, ResourceInfo } from './discovery.js';
import { resourcePath } from './discovery.js';
import { KubeApiError } from './errors.js';
import type { RequestStats } from './stats.js';
import { startWatch } from './watch.js';
import type { Watcher, WatchOptions } from './watch.js';

/** Mooring's field manager name for server-side apply. */
export const FIELD_MANAGER = 'mooring';

export interface ApplyOptions {
  dryRun?: boolean;
  /** Take over fields owned by other managers (default true: Git is the source of truth). */
  force?: boolean;
  fieldManager?: string;
  step?: Step;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
}

interface ObjectList {
  items?: KubeObject[];
}

/**
 * Object-level operations (get, list, server-side apply, delete) over any kind the cluster serves. An
 * ObjectsApi made by `actingAs` writes (apply and its dry-run, create, patch, delete) as a ServiceAccount
 * and reads (get, list) with the identity it was made from: the controller reads everything for its live
 * cache anyway, and what the app may change is decided where it is changed.
 */
export class ObjectsApi {
  /** The client reads go through: `client` itself unless this API acts as someone else. */
  private readonly reader: KubeClient;

  constructor(
    readonly client: KubeClient,
    readonly discovery: Discovery,
    reader?: KubeClient,
  ) {
    this.reader = reader ?? client;
  }

  /**
   * An ObjectsApi whose writes impersonate ServiceAccount `namespace/name` (same connections, discovery and
   * request counts); its reads stay with this one's identity.
   */
  actingAs(serviceAccount: { namespace: string; name: string }): ObjectsApi {
    return new ObjectsApi(this.client.impersonating({ serviceAccount }), this.discovery, this.reader);
  }

  /**
   * Watches one kind (list, then watch from its resourceVersion, relisting when the server says the
   * version is gone) with the reading identity. Stop it with `stop()`.
   */
  watch(options: WatchOptions): Watcher {
    return startWatch(this.reader, this.discovery, options);
  }

  /** Counts of the API requests made through this API's connections (shared with `actingAs` copies). */
  get requestStats(): RequestStats {
    return this.client.stats;
  }

  /** `namespace/name` of the ServiceAccount writes impersonate, if any. */
  get actingAsName(): string | undefined {
    const sa = this.client.impersonation?.serviceAccount;
    return sa === undefined ? undefined : `${sa.namespace}/${sa.name}`;
  }

  /** The resource info of an object's kind, or an error naming the object and the missing kind. */
  async resourceOf(apiVersion: string, kind: string, subject?: string): Promise<ResourceInfo> {
    const info = await this.discovery.lookup(apiVersion, kind);
    if (info === undefined) {
      throw new MooringError(
        'API_ERROR',
        `${subject ?? kind}: the cluster does not serve ${kind} in ${apiVersion}`,
        {
          subject,
          hint: `install the CRD that defines ${kind}, or check apiVersion (served versions: kubectl api-resources)`,
        },
      );
    }
    return info;
  }

  async get(apiVersion: string, ref: ObjectRef): Promise<KubeObject | undefined> {
    const info = await this.resourceOf(apiVersion, ref.kind, subjectOf(ref));
    try {
      return await this.reader.request<KubeObject>({
        method: 'GET',
        path: resourcePath(info, versionOf(apiVersion), ref.namespace, ref.name),
        verb: 'get',
        subject: subjectOf(ref),
      });
    } catch (error) {
      if (error instanceof KubeApiError && error.isNotFound) return undefined;
      throw error;
    }
  }

  /** Lists objects of a kind (in a namespace, or everywhere), with apiVersion and kind set on each item. */
  async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    const info = await this.resourceOf(apiVersion, kind);
    const list = await this.reader.request<ObjectList>({
      method: 'GET',
      path: resourcePath(info, versionOf(apiVersion), options.namespace),
      query: { labelSelector: options.labelSelector },
      verb: 'list',
    });
    return (list.items ?? []).map((item) => ({ ...item, apiVersion, kind }));
  }

  /** Server-side apply (optionally dry-run); returns the object as the server stored (or would store) it. */
  async apply(obj: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
    const ref = refOf(obj);
    const info = await this.resourceOf(obj.apiVersion, obj.kind, subjectOf(ref));
    return this.client.request<KubeObject>({
      method: 'PATCH',
      path: resourcePath(info, versionOf(obj.apiVersion), ref.namespace, ref.name),
      query: {
        fieldManager: options.fieldManager ?? FIELD_MANAGER,
        force: String(options.force ?? true),
        dryRun: options.dryRun === true ? 'All' : undefined,
      },
      body: applyBody(obj),
      contentType: 'application/apply-patch+yaml',
      verb: options.dryRun === true ? 'dryRun' : 'apply',
      step: options.step ?? (options.dryRun === true ? 'validate' : 'apply'),
      subject: subjectOf(ref),
    });
  }

  /**
   * Creates an object (POST); fails with 409 if it exists. An object with metadata.generateName and no name
   * gets its name from the API server (returned in the result). `dryRun` validates without creating.
   */
  async create(
    obj: KubeObject,
    step?: Step,
    options: { dryRun?: boolean; fieldManager?: string } = {},
  ): Promise<KubeObject> {
    const generateName = obj.metadata.generateName;
    const ref = {
      ...refOf(obj),
      // A generateName manifest has no name, whatever KubeObject's type says.
      ...((obj.metadata.name as string | undefined) === undefined && typeof generateName === 'string'
        ? { name: `${generateName}*` }
        : {}),
    };
    const info = await this.resourceOf(obj.apiVersion, obj.kind, subjectOf(ref));
    return this.client.request<KubeObject>({
      method: 'POST',
      path: resourcePath(info, versionOf(obj.apiVersion), ref.namespace),
      body: obj,
      query: {
        fieldManager: options.fieldManager ?? 'mooring-controller',
        dryRun: options.dryRun === true ? 'All' : undefined,
      },
      verb: options.dryRun === true ? 'dryRun' : 'create',
      ...(step === undefined ? {} : { step }),
      subject: subjectOf(ref),
    });
  }

  /** A JSON merge patch of an object or of its status subresource. */
  async mergePatch(
    apiVersion: string,
    ref: ObjectRef,
    patch: unknown,
    options: { subresource?: 'status'; fieldManager?: string } = {},
  ): Promise<KubeObject> {
    const info = await this.resourceOf(apiVersion, ref.kind, subjectOf(ref));
    const path =
      resourcePath(info, versionOf(apiVersion), ref.namespace, ref.name) +
      (options.subresource === undefined ? '' : `/${options.subresource}`);
    return this.client.request<KubeObject>({
      method: 'PATCH',
      path,
      body: patch,
      query: { fieldManager: options.fieldManager ?? 'mooring-controller' },
      contentType: 'application/merge-patch+json',
      verb: 'patch',
      subject: subjectOf(ref),
    });
  }

  /**
   * Deletes an object (background propagation). With `uid`, only that incarnation is deleted (a precondition),
   * so a re-created object of the same name is never removed by mistake. Returns false if it was already gone.
   */
  async delete(
    apiVersion: string,
    ref: ObjectRef,
    options: { uid?: string; step?: Step; propagation?: 'Background' | 'Foreground' } = {},
  ): Promise<boolean> {
    const info = await this.resourceOf(apiVersion, ref.kind, subjectOf(ref));
    try {
      await this.client.request({
        method: 'DELETE',
        path: resourcePath(info, versionOf(apiVersion), ref.namespace, ref.name),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: options.propagation ?? 'Background',
          ...(options.uid === undefined ? {} : { preconditions: { uid: options.uid } }),
        },
        verb: 'delete',
        step: options.step ?? 'prune',
        subject: subjectOf(ref),
      });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.isNotFound) return false;
      throw error;
    }
  }
}

/** What is sent for server-side apply: the manifest without server-owned metadata and status. */
export function applyBody(obj: KubeObject): KubeObject {
  const { status: _status, ...rest } = obj;
  const {
    managedFields: _mf,
    resourceVersion: _rv,
    uid: _uid,
    creationTimestamp: _ct,
    generation: _gen,
    selfLink: _sl,
    ...metadata
  } = obj.metadata;
  return { ...rest, metadata };
}

/** True when the apiVersion's group is served with that version (helper for callers holding a ref). */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
