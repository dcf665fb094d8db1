/**
 * One application: its state and the one-sentence "why", drift (which field, who changed it, when), the
 * resource tree with health, the diff (live vs target, or between two history entries), the history and
 * the events; sync and rollback behind a confirmation, shown only when the API says the caller may patch.
 * Follows the app's stream: a status change, a new SyncRecord or an Event reloads what it touches.
 */
import { useCallback, useEffect, useState } from 'react';

import type {
  ActionName,
  ActionReply,
  ApplicationAccess,
  ApplicationDetail,
  EventEntry,
  HistoryEntry,
  TreeNode,
} from './api.js';
import { ApiError, appPath, followStream, getJson, postJson } from './api.js';
import { Badge, relativeTime, shortRevision } from './common.js';
import { AppOfApps } from './AppTree.js';
import { DiffView } from './Diff.js';

const TABS = ['tree', 'diff', 'history', 'events'] as const;
type Tab = (typeof TABS)[number];

interface Pending {
  action: ActionName;
  label: string;
  body?: unknown;
}

export function AppPage(props: { namespace: string; name: string; onUnauthenticated: () => void }) {
  const { namespace, name, onUnauthenticated } = props;
  const path = appPath(namespace, name);
  const [detail, setDetail] = useState<ApplicationDetail | undefined>();
  const [access, setAccess] = useState<ApplicationAccess | undefined>();
  const [tree, setTree] = useState<TreeNode[] | undefined>();
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [events, setEvents] = useState<EventEntry[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [tab, setTab] = useState<Tab>('tree');
  const [pending, setPending] = useState<Pending | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  const fail = useCallback(
    (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) onUnauthenticated();
      else
        setError(e instanceof ApiError ? `${e.message}${e.body.hint ? ` — ${e.body.hint}` : ''}` : String(e));
    },
    [onUnauthenticated],
  );
  const loadDetail = useCallback(() => {
    getJson<ApplicationDetail>(path).then(setDetail).catch(fail);
  }, [path, fail]);
  const loadTree = useCallback(() => {
    getJson<{ nodes: TreeNode[] }>(`${path}/tree`)
      .then((t) => {
        setTree(t.nodes);
      })
      .catch(() => {
        setTree([]);
      });
  }, [path]);
  const loadHistory = useCallback(() => {
    getJson<{ items: HistoryEntry[] }>(`${path}/history`)
      .then((h) => {
        setHistory(h.items);
      })
      .catch(fail);
  }, [path, fail]);
  const loadEvents = useCallback(() => {
    getJson<{ items: EventEntry[] }>(`${path}/events`)
      .then((h) => {
        setEvents(h.items);
      })
      .catch(fail);
  }, [path, fail]);

  useEffect(() => {
    loadDetail();
    loadTree();
    loadHistory();
    loadEvents();
    getJson<ApplicationAccess>(`${path}/access`)
      .then(setAccess)
      .catch(() => {
        // Unknown rights: show no action (the action routes would refuse anyway).
        setAccess({
          actions: {
            sync: false,
            rollback: false,
            unpin: false,
            suspend: false,
            resume: false,
            refresh: false,
          },
        });
      });
  }, [path, loadDetail, loadTree, loadHistory, loadEvents]);

  useEffect(() => {
    const controller = new AbortController();
    followStream(
      `${path}/stream`,
      (event) => {
        if (event.type === 'status') {
          loadDetail();
          loadTree();
        } else if (event.type === 'record') loadHistory();
        else if (event.type === 'event') loadEvents();
        else if (event.type === 'reset') {
          loadDetail();
          loadTree();
          loadHistory();
          loadEvents();
        }
      },
      controller.signal,
    );
    return () => {
      controller.abort();
    };
  }, [path, loadDetail, loadTree, loadHistory, loadEvents]);

  const confirm = async () => {
    if (pending === undefined) return;
    const what = pending;
    setPending(undefined);
    try {
      const reply = await postJson<ActionReply>(`${path}/${what.action}`, what.body ?? {});
      setNotice(
        `${what.label} requested by ${reply.requestedBy}${reply.target === undefined ? '' : ` (to ${reply.target})`}.`,
      );
      // Suspend and resume change the spec: show the new state without waiting for the stream.
      loadDetail();
    } catch (e) {
      fail(e);
    }
  };

  if (detail === undefined)
    return error === undefined ? (
      <p aria-busy="true">Loading {name}…</p>
    ) : (
      <p role="alert" className="error">
        {error}
      </p>
    );
  const summary = detail.summary;
  const status = detail.status;
  const may = (action: ActionName) => access?.actions[action] === true;
  const drifted = (status?.resources ?? []).filter((r) => (r.drift?.length ?? 0) > 0);
  const why = summary.summary;

  return (
    <article className="app" aria-labelledby="app-title">
      <div className="app-head">
        <div>
          <p className="crumbs">
            <a href="#/">Applications</a> / {namespace}
          </p>
          <h1 id="app-title">{name}</h1>
          <p className="badges">
            <Badge value={summary.suspended ? 'Suspended' : summary.sync} />
            <Badge value={summary.health} />
            <span className="mono" title={summary.revision}>
              {shortRevision(summary.revision)}
            </span>
            <span>
              {summary.project} · {summary.cluster} / {summary.destinationNamespace}
            </span>
            <span>
              {summary.repoURL} {summary.path}
            </span>
          </p>
        </div>
        <div className="actions" data-access={access === undefined ? 'pending' : 'known'}>
          {may('sync') ? (
            <button
              type="button"
              onClick={() => {
                setPending({ action: 'sync', label: 'Sync' });
              }}
            >
              Sync
            </button>
          ) : null}
          {may('refresh') ? (
            <button
              type="button"
              className="quiet"
              onClick={() => {
                setPending({ action: 'refresh', label: 'Refresh' });
              }}
            >
              Refresh
            </button>
          ) : null}
          {summary.suspended ? (
            may('resume') ? (
              <button
                type="button"
                className="quiet"
                onClick={() => {
                  setPending({ action: 'resume', label: 'Resume' });
                }}
              >
                Resume
              </button>
            ) : null
          ) : may('suspend') ? (
            <button
              type="button"
              className="quiet"
              onClick={() => {
                setPending({ action: 'suspend', label: 'Suspend' });
              }}
            >
              Suspend
            </button>
          ) : null}
          {status?.sync?.pinnedRevision !== undefined && may('unpin') ? (
            <button
              type="button"
              className="quiet"
              title={`Pinned to ${status.sync.pinnedRevision} by a rollback`}
              onClick={() => {
                setPending({ action: 'unpin', label: 'Unpin' });
              }}
            >
              Unpin
            </button>
          ) : null}
        </div>
      </div>
      {why === undefined ? null : (
        <p
          className={summary.sync === 'Synced' && summary.health === 'Healthy' ? 'why calm' : 'why'}
          data-testid="why"
        >
          {why}
        </p>
      )}
      {notice === undefined ? null : (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      {error === undefined ? null : (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {drifted.length === 0 ? null : (
        <section className="drift" aria-labelledby="drift-title" data-testid="drift">
          <h2 id="drift-title">Drift</h2>
          <ul>
            {drifted.map((r) =>
              (r.drift ?? []).map((d) => (
                <li key={`${r.kind}/${r.namespace ?? ''}/${r.name}/${d.path}`}>
                  <strong>
                    {r.kind}/{r.name}
                  </strong>{' '}
                  <code>{d.path}</code> changed by{' '}
                  {(d.changedBy ?? []).length === 0
                    ? 'someone (field removed)'
                    : (d.changedBy ?? []).map((c) => (
                        <span key={c.manager} className="manager" title={c.time}>
                          {c.manager}
                          {c.time === undefined ? '' : ` ${relativeTime(c.time)}`}
                        </span>
                      ))}
                </li>
              )),
            )}
          </ul>
        </section>
      )}
      <AppOfApps detail={detail} />
      <div
        role="tablist"
        aria-label="Application views"
        className="tabs"
        onKeyDown={(e) => {
          // Arrow keys move between tabs (WAI-ARIA tabs pattern); Tab moves on to the panel.
          if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
          const at = TABS.indexOf(tab);
          const next = TABS[(at + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length] ?? 'tree';
          setTab(next);
          document.getElementById(`tab-${next}`)?.focus();
        }}
      >
        {TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            tabIndex={tab === t ? 0 : -1}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            onClick={() => {
              setTab(t);
            }}
          >
            {t === 'tree' ? 'Resources' : t === 'diff' ? 'Diff' : t === 'history' ? 'History' : 'Events'}
          </button>
        ))}
      </div>
      <section role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="panel">
        {tab === 'tree' ? (
          tree === undefined ? (
            <p aria-busy="true">Loading resources…</p>
          ) : tree.length === 0 ? (
            <p>No resources.</p>
          ) : (
            <ul className="tree" data-testid="tree">
              {tree.map((node) => (
                <TreeItem key={`${node.kind}/${node.namespace ?? ''}/${node.name}`} node={node} />
              ))}
            </ul>
          )
        ) : null}
        {tab === 'diff' ? <DiffView path={path} history={history} /> : null}
        {tab === 'history' ? (
          <HistoryTable
            history={history}
            canRollback={may('rollback')}
            onRollback={(entry) => {
              setPending({
                action: 'rollback',
                label: `Rollback to ${shortRevision(entry.revision)}`,
                body: { to: entry.revision },
              });
            }}
          />
        ) : null}
        {tab === 'events' ? <EventsTable events={events} /> : null}
      </section>
      {pending === undefined ? null : (
        <div className="backdrop">
          <div role="dialog" aria-modal="true" aria-labelledby="confirm-title" className="dialog">
            <h2 id="confirm-title">{pending.label}?</h2>
            <p>
              {pending.label}{' '}
              <strong>
                {namespace}/{name}
              </strong>
              . The controller acts on it at once, and the history will name you.
            </p>
            <div className="dialog-buttons">
              <button
                type="button"
                className="quiet"
                onClick={() => {
                  setPending(undefined);
                }}
              >
                Cancel
              </button>
              <button
                type="button"
                autoFocus
                onClick={() => {
                  void confirm();
                }}
              >
                Confirm
              </button>
            </div>
          </div>
        </div>
      )}
    </article>
  );
}

function TreeItem(props: { node: TreeNode }) {
  const { node } = props;
  return (
    <li>
      <div className={`node ${node.managed ? 'managed' : ''}`} data-kind={node.kind} data-name={node.name}>
        <span className={`dot ${node.health}`} aria-hidden="true" />
        <span className="kind">{node.kind}</span> <span className="node-name">{node.name}</span>{' '}
        <Badge value={node.health} />
        {node.sync === undefined ? null : <Badge value={node.sync} />}
        {node.message === '' ? null : <span className="message">{node.message}</span>}
      </div>
      {node.children.length === 0 ? null : (
        <ul>
          {node.children.map((child) => (
            <TreeItem key={`${child.kind}/${child.namespace ?? ''}/${child.name}`} node={child} />
          ))}
          {node.truncated === undefined ? null : <li className="more">… and {node.truncated} more</li>}
        </ul>
      )}
    </li>
  );
}

function HistoryTable(props: {
  history: HistoryEntry[];
  canRollback: boolean;
  onRollback: (entry: HistoryEntry) => void;
}) {
  if (props.history.length === 0) return <p>No sync yet.</p>;
  return (
    <table className="history" data-testid="history">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Trigger</th>
          <th scope="col">Commit</th>
          <th scope="col">Result</th>
          <th scope="col">Changed</th>
          {props.canRollback ? <th scope="col">Action</th> : null}
        </tr>
      </thead>
      <tbody>
        {props.history.map((entry) => {
          const changed = (entry.objects ?? []).filter((o) => o.action !== 'unchanged');
          return (
            <tr key={entry.name}>
              <td title={entry.finishedAt}>{relativeTime(entry.finishedAt)}</td>
              <td>
                {entry.trigger}
                {entry.initiatedBy === undefined ? '' : ` by ${entry.initiatedBy}`}
              </td>
              <td>
                <span className="mono">{shortRevision(entry.revision)}</span>{' '}
                {entry.commit === undefined ? null : (
                  <>
                    {entry.commit.message.split('\n')[0]} <small>— {entry.commit.author}</small>
                  </>
                )}
              </td>
              <td>
                <Badge value={entry.result} />
                {entry.message === undefined ? null : <small> {entry.message}</small>}
              </td>
              <td>
                {changed.length === 0
                  ? 'nothing'
                  : changed.map((o) => (
                      <div key={o.subject}>
                        {o.action} {o.subject}
                      </div>
                    ))}
              </td>
              {props.canRollback ? (
                <td>
                  <button
                    type="button"
                    className="quiet"
                    onClick={() => {
                      props.onRollback(entry);
                    }}
                  >
                    Roll back to this
                  </button>
                </td>
              ) : null}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function EventsTable(props: { events: EventEntry[] }) {
  if (props.events.length === 0) return <p>No events.</p>;
  return (
    <table className="events">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Type</th>
          <th scope="col">Reason</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        {props.events.map((e, i) => (
          <tr key={`${e.lastTimestamp ?? ''}-${i}`}>
            <td title={e.lastTimestamp}>
              {relativeTime(e.lastTimestamp)}
              {e.count > 1 ? ` ×${e.count}` : ''}
            </td>
            <td>
              <Badge value={e.type ?? 'Normal'} tone={e.type === 'Warning' ? 'warn' : 'muted'} />
            </td>
            <td>{e.reason}</td>
            <td>{e.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
