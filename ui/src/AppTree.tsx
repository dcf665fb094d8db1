/**
 * App of apps: the Applications an Application manages (its status.resources of kind Application in
 * mooring.dev), shown as a tree of any depth on the app page. Each child loads its own detail, so the
 * tree goes as deep as the apps do; an app already on the path from the root is shown once more as a
 * cycle and not followed. Rows expand and collapse with a button (aria-expanded).
 */
import { useEffect, useState } from 'react';

import type { ApplicationDetail } from './api.js';
import { appPath, getJson } from './api.js';
import { Badge } from './common.js';

interface Ref {
  namespace: string;
  name: string;
}

const key = (ref: Ref) => `${ref.namespace}/${ref.name}`;

/** The Applications among an app's managed objects (namespace: the object's, else the app's destination). */
export function childApps(detail: ApplicationDetail): Ref[] {
  const seen = new Set<string>();
  const refs: Ref[] = [];
  for (const r of detail.status?.resources ?? []) {
    if (r.kind !== 'Application' || r.group !== 'mooring.dev') continue;
    const ref = { namespace: r.namespace ?? detail.summary.destinationNamespace, name: r.name };
    if (seen.has(key(ref))) continue;
    seen.add(key(ref));
    refs.push(ref);
  }
  return refs.sort((a, b) => key(a).localeCompare(key(b)));
}

export function AppOfApps(props: { detail: ApplicationDetail }) {
  const { detail } = props;
  const children = childApps(detail);
  if (children.length === 0) return null;
  const root = key(detail.metadata);
  return (
    <section className="app-of-apps" aria-labelledby="children-title">
      <h2 id="children-title">Applications it manages</h2>
      <ul className="tree" data-testid="child-apps">
        {children.map((child) => (
          <ChildApp key={key(child)} refTo={child} ancestors={[root]} />
        ))}
      </ul>
    </section>
  );
}

function ChildApp(props: { refTo: Ref; ancestors: string[] }) {
  const { refTo, ancestors } = props;
  const id = key(refTo);
  const cycle = ancestors.includes(id);
  const [detail, setDetail] = useState<ApplicationDetail | undefined>();
  const [missing, setMissing] = useState(false);
  const [open, setOpen] = useState(true);

  useEffect(() => {
    if (cycle) return;
    let live = true;
    getJson<ApplicationDetail>(appPath(refTo.namespace, refTo.name))
      .then((d) => {
        if (live) setDetail(d);
      })
      .catch(() => {
        if (live) setMissing(true);
      });
    return () => {
      live = false;
    };
  }, [refTo.namespace, refTo.name, cycle]);

  const children = detail === undefined ? [] : childApps(detail);
  const link = `#/apps/${encodeURIComponent(refTo.namespace)}/${encodeURIComponent(refTo.name)}`;
  return (
    <li data-child-app={id}>
      <span className="node">
        {children.length > 0 ? (
          <button
            type="button"
            className="quiet toggle"
            aria-expanded={open}
            aria-label={`${open ? 'Collapse' : 'Expand'} ${refTo.name}`}
            onClick={() => {
              setOpen(!open);
            }}
          >
            {open ? '▾' : '▸'}
          </button>
        ) : null}
        <a href={link}>{refTo.name}</a> <span className="muted">{refTo.namespace}</span>{' '}
        {cycle ? (
          <span className="muted">(cycle: already above)</span>
        ) : detail !== undefined ? (
          <>
            <Badge value={detail.summary.suspended ? 'Suspended' : detail.summary.sync} />
            <Badge value={detail.summary.health} />
          </>
        ) : missing ? (
          <span className="muted">(not readable)</span>
        ) : (
          <span aria-busy="true">…</span>
        )}
      </span>
      {open && children.length > 0 ? (
        <ul>
          {children.map((child) => (
            <ChildApp key={key(child)} refTo={child} ancestors={[...ancestors, id]} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
