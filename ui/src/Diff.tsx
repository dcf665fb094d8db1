/**
 * The diff tab: the live cluster against the target revision (what a sync would change, drift included),
 * or the desired state between two history entries; per object, unified or side by side. Secret values
 * arrive masked from the API.
 */
import { useState } from 'react';

import type { HistoryEntry, LiveDiff, RevisionDiff } from './api.js';
import { ApiError, getJson } from './api.js';
import { shortRevision } from './common.js';

type Shown =
  | { kind: 'live'; diff: LiveDiff }
  | { kind: 'revisions'; diff: RevisionDiff }
  | { kind: 'error'; message: string };

export function DiffView(props: { path: string; history: HistoryEntry[] }) {
  const [shown, setShown] = useState<Shown | undefined>();
  const [busy, setBusy] = useState(false);
  const [layout, setLayout] = useState<'unified' | 'split'>('unified');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const load = async (what: 'live' | 'revisions') => {
    setBusy(true);
    try {
      if (what === 'live') setShown({ kind: 'live', diff: await getJson<LiveDiff>(`${props.path}/diff`) });
      else {
        const query = new URLSearchParams({ from, ...(to === '' ? {} : { to }) });
        setShown({ kind: 'revisions', diff: await getJson<RevisionDiff>(`${props.path}/diff?${query}`) });
      }
    } catch (e) {
      setShown({
        kind: 'error',
        message: e instanceof ApiError ? `${e.message} ${e.body.hint ?? ''}` : String(e),
      });
    } finally {
      setBusy(false);
    }
  };
  const option = (h: HistoryEntry) => (
    <option key={h.name} value={h.name}>
      {shortRevision(h.revision)} · {h.commit?.message.split('\n')[0] ?? h.name}
    </option>
  );
  return (
    <div className="diff">
      <div className="diff-controls">
        <button type="button" disabled={busy} onClick={() => void load('live')}>
          Live vs target
        </button>
        <label>
          From
          <select
            name="from"
            value={from}
            onChange={(e) => {
              setFrom(e.target.value);
            }}
          >
            <option value="">history entry…</option>
            {props.history.map(option)}
          </select>
        </label>
        <label>
          To
          <select
            name="to"
            value={to}
            onChange={(e) => {
              setTo(e.target.value);
            }}
          >
            <option value="">target revision</option>
            {props.history.map(option)}
          </select>
        </label>
        <button type="button" disabled={busy || from === ''} onClick={() => void load('revisions')}>
          Compare
        </button>
        <label>
          Layout
          <select
            value={layout}
            onChange={(e) => {
              setLayout(e.target.value === 'split' ? 'split' : 'unified');
            }}
          >
            <option value="unified">unified</option>
            <option value="split">side by side</option>
          </select>
        </label>
      </div>
      {busy ? <p aria-busy="true">Computing the diff…</p> : null}
      {shown?.kind === 'error' ? (
        <p role="alert" className="error">
          {shown.message}
        </p>
      ) : null}
      {shown?.kind === 'live' ? (
        <>
          <p>
            Target {shortRevision(shown.diff.revision?.sha)} {shown.diff.revision?.subject}:{' '}
            {shown.diff.diffs.length === 0
              ? 'the cluster matches Git.'
              : `${shown.diff.diffs.length} object(s) differ.`}
          </p>
          {shown.diff.diffs.map((d) => (
            <ObjectDiff key={d.id} title={d.subject} unified={d.unified} layout={layout} />
          ))}
        </>
      ) : null}
      {shown?.kind === 'revisions' ? (
        <>
          <p>
            {shortRevision(shown.diff.from.revision)} → {shortRevision(shown.diff.to.revision)}:{' '}
            {shown.diff.counts.added} added, {shown.diff.counts.changed} changed, {shown.diff.counts.removed}{' '}
            removed, {shown.diff.counts.unchanged} unchanged.
          </p>
          {shown.diff.objects.map((d) => (
            <ObjectDiff key={d.id} title={`${d.action} ${d.subject}`} unified={d.unified} layout={layout} />
          ))}
        </>
      ) : null}
    </div>
  );
}

/** Unified diff lines split into the two sides (context on both). Pure. */
export function splitSides(unified: string): { left: string[]; right: string[] } {
  const left: string[] = [];
  const right: string[] = [];
  for (const line of unified.split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++') || line.startsWith('@@')) continue;
    if (line.startsWith('-')) left.push(line);
    else if (line.startsWith('+')) right.push(line);
    else {
      while (left.length < right.length) left.push('');
      while (right.length < left.length) right.push('');
      left.push(line);
      right.push(line);
    }
  }
  while (left.length < right.length) left.push('');
  while (right.length < left.length) right.push('');
  return { left, right };
}

function lineClass(line: string): string {
  if (line.startsWith('+') && !line.startsWith('+++')) return 'add';
  if (line.startsWith('-') && !line.startsWith('---')) return 'del';
  return '';
}

function ObjectDiff(props: { title: string; unified: string; layout: 'unified' | 'split' }) {
  const lines = props.unified.split('\n');
  return (
    <details open className="object-diff">
      <summary>{props.title}</summary>
      {props.layout === 'unified' ? (
        <pre>
          {lines.map((line, i) => (
            <div key={i} className={lineClass(line)}>
              {line || ' '}
            </div>
          ))}
        </pre>
      ) : (
        <div className="split">
          {(['left', 'right'] as const).map((side) => (
            <pre key={side} aria-label={side === 'left' ? 'live / before' : 'git / after'}>
              {splitSides(props.unified)[side].map((line, i) => (
                <div key={i} className={lineClass(line)}>
                  {line || ' '}
                </div>
              ))}
            </pre>
          ))}
        </div>
      )}
    </details>
  );
}
