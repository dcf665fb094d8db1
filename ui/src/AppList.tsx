/**
 * The Applications list: filters and search answered by the API (GET /applications with its query), pages
 * fetched by cursor as the user scrolls, only the rows in view rendered (10,000 apps stay light), and rows
 * updated live from GET /stream/applications with the same filters.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import type { ApplicationSummary, ListPage, StreamEvent } from './api.js';
import { ApiError, followStream, getJson, listQuery } from './api.js';
import type { ListFilters } from './App.js';
import { Badge, relativeTime, shortRevision } from './common.js';

const ROW_HEIGHT = 44;
/** The first page is small (it is what the user waits for); later pages, fetched while scrolling, larger. */
const FIRST_PAGE = 100;
const PAGE = 500;
const OVERSCAN = 8;
const SYNCS = ['', 'Synced', 'OutOfSync', 'Unknown'];
const HEALTHS = ['', 'Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];
const SORTS = ['name', 'namespace', 'project', 'cluster', 'sync', 'health', 'lastSync', 'drift'];

interface Filters {
  text: string;
  sync: string;
  health: string;
  project: string;
  cluster: string;
  sort: string;
}

const keyOf = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => {
      setCurrent(value);
    }, ms);
    return () => {
      clearTimeout(timer);
    };
  }, [value, ms]);
  return current;
}

export function AppList(props: { filters?: ListFilters; onUnauthenticated: () => void }) {
  const [filters, setFilters] = useState<Filters>({
    text: '',
    sync: '',
    health: '',
    project: props.filters?.project ?? '',
    cluster: props.filters?.cluster ?? '',
    sort: 'name',
  });
  // Short: a newer search aborts the older request, the API answers from its index.
  const text = useDebounced(filters.text, 40);
  const query = useMemo(
    () => ({
      text,
      sync: filters.sync,
      health: filters.health,
      project: filters.project,
      cluster: filters.cluster,
      sort: filters.sort,
    }),
    [text, filters.sync, filters.health, filters.project, filters.cluster, filters.sort],
  );
  const [rows, setRows] = useState<ApplicationSummary[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [total, setTotal] = useState<number | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>();
  const [live, setLive] = useState(false);
  const generation = useRef(0);
  const { onUnauthenticated } = props;

  const fail = useCallback(
    (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) onUnauthenticated();
      else if (!(e instanceof DOMException && e.name === 'AbortError'))
        setError(e instanceof ApiError ? `${e.message}${e.body.hint ? ` (${e.body.hint})` : ''}` : String(e));
    },
    [onUnauthenticated],
  );

  // First page of a query; a newer query makes older answers irrelevant.
  const reload = useCallback(() => {
    const mine = ++generation.current;
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    getJson<ListPage>(`/applications${listQuery({ ...query, limit: String(FIRST_PAGE) })}`, controller.signal)
      .then((page) => {
        if (mine !== generation.current) return;
        setRows(page.items);
        setTotal(page.total);
        setCursor(page.continue);
      })
      .catch(fail)
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
    return controller;
  }, [query, fail]);

  useEffect(() => {
    const controller = reload();
    return () => {
      controller.abort();
    };
  }, [reload]);

  const loadMore = useCallback(() => {
    if (cursor === undefined || loading) return;
    const mine = generation.current;
    setLoading(true);
    getJson<ListPage>(`/applications${listQuery({ ...query, limit: String(PAGE), continue: cursor })}`)
      .then((page) => {
        if (mine !== generation.current) return;
        setRows((previous) => [...previous, ...page.items]);
        setTotal(page.total);
        setCursor(page.continue);
      })
      .catch(fail)
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
  }, [cursor, loading, query, fail]);

  // Live: a changed summary replaces its row in place; a new app is added when the list is complete.
  // (The cursor is read through a ref: fetching a page must not reconnect the stream.)
  const cursorRef = useRef(cursor);
  cursorRef.current = cursor;
  useEffect(() => {
    const controller = new AbortController();
    const { sort: _sort, ...filterOnly } = query;
    followStream(
      `/stream/applications${listQuery(filterOnly)}`,
      (event: StreamEvent) => {
        if (event.type === 'application') {
          const summary = event.data as ApplicationSummary;
          setRows((previous) => {
            const at = previous.findIndex((r) => keyOf(r) === keyOf(summary));
            if (at >= 0) return previous.map((r, i) => (i === at ? summary : r));
            return cursorRef.current === undefined ? [...previous, summary] : previous;
          });
        } else if (event.type === 'deleted') {
          const gone = event.data as { namespace: string; name: string };
          setRows((previous) => previous.filter((r) => keyOf(r) !== keyOf(gone)));
        } else if (event.type === 'reset') reload();
      },
      controller.signal,
      () => {
        setLive(true);
      },
    );
    return () => {
      controller.abort();
      setLive(false);
    };
  }, [query, reload]);

  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  useEffect(() => {
    const element = scroller.current;
    if (element === null) return;
    const observer = new ResizeObserver(() => {
      setViewport(element.clientHeight);
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
    };
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);
  useEffect(() => {
    if (last >= rows.length - OVERSCAN && cursor !== undefined) loadMore();
  }, [last, rows.length, cursor, loadMore]);

  const set = (key: keyof Filters) => (e: { target: { value: string } }) => {
    setFilters((f) => ({ ...f, [key]: e.target.value }));
    scroller.current?.scrollTo({ top: 0 });
  };

  return (
    <section className="list" aria-labelledby="apps-title">
      <div className="list-head">
        <h1 id="apps-title">Applications</h1>
        <span className="count" aria-live="polite" data-testid="app-count">
          {countText(total ?? rows.length)}
          {loading ? ' · loading' : ''}
        </span>
        <span className={live ? 'live on' : 'live'} title="live updates">
          {live ? 'live' : 'connecting'}
        </span>
      </div>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <label>
          Search
          <input
            type="search"
            name="text"
            value={filters.text}
            onChange={set('text')}
            placeholder="name, repo, path…"
          />
        </label>
        <label>
          Sync
          <select name="sync" value={filters.sync} onChange={set('sync')}>
            {SYNCS.map((s) => (
              <option key={s} value={s}>
                {s === '' ? 'any' : s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Health
          <select name="health" value={filters.health} onChange={set('health')}>
            {HEALTHS.map((s) => (
              <option key={s} value={s}>
                {s === '' ? 'any' : s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Project
          <input name="project" value={filters.project} onChange={set('project')} placeholder="any" />
        </label>
        <label>
          Cluster
          <input name="cluster" value={filters.cluster} onChange={set('cluster')} placeholder="any" />
        </label>
        <label>
          Sort
          <select name="sort" value={filters.sort} onChange={set('sort')}>
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </form>
      {error === undefined ? null : (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="table" role="table" aria-label="Applications" aria-rowcount={rows.length + 1}>
        <div className="row head" role="row" aria-rowindex={1}>
          <span role="columnheader">Application</span>
          <span role="columnheader">Sync</span>
          <span role="columnheader">Health</span>
          <span role="columnheader" className="wide">
            Revision
          </span>
          <span role="columnheader" className="wide">
            Last sync
          </span>
          <span role="columnheader" className="wide">
            Project · cluster
          </span>
          <span role="columnheader" className="wide">
            Drift
          </span>
        </div>
        <div
          className="rows"
          ref={scroller}
          onScroll={(e) => {
            setScrollTop(e.currentTarget.scrollTop);
          }}
        >
          <div style={{ height: rows.length * ROW_HEIGHT, position: 'relative' }}>
            {rows.slice(first, last).map((row, i) => (
              <Row key={keyOf(row)} row={row} index={first + i} />
            ))}
          </div>
          {!loading && rows.length === 0 && error === undefined ? (
            <p className="empty">No application matches.</p>
          ) : null}
        </div>
      </div>
    </section>
  );
}

/** "1 app", "10,000 apps". Pure. */
export function countText(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'app' : 'apps'}`;
}

function Row(props: { row: ApplicationSummary; index: number }) {
  const { row, index } = props;
  return (
    <div
      className="row"
      role="row"
      aria-rowindex={index + 2}
      data-app={keyOf(row)}
      style={{ position: 'absolute', top: index * ROW_HEIGHT, height: ROW_HEIGHT, left: 0, right: 0 }}
    >
      <span role="cell" className="name">
        <a href={`#/apps/${encodeURIComponent(row.namespace)}/${encodeURIComponent(row.name)}`}>{row.name}</a>
        <small>{row.namespace}</small>
      </span>
      <span role="cell">
        <Badge value={row.suspended ? 'Suspended' : row.sync} />
      </span>
      <span role="cell">
        <Badge value={row.health} />
      </span>
      <span role="cell" className="wide mono">
        {shortRevision(row.revision)}
      </span>
      <span role="cell" className="wide" title={row.lastSync}>
        {relativeTime(row.lastSync)} {row.lastSyncResult === 'Failed' ? <Badge value="Failed" /> : null}
      </span>
      <span role="cell" className="wide">
        {row.project} · {row.cluster}
      </span>
      <span role="cell" className="wide" title={row.summary}>
        {row.driftCount > 0 ? <Badge value={`${row.driftCount} drifted`} tone="warn" /> : '—'}
      </span>
    </div>
  );
}
