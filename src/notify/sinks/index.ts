/** The sinks by type. */
import type { SinkType } from '../../crd/notification-policy.js';
import type { ObjectsApi } from '../../kube/objects-api.js';
import { giteaSink } from './gitea.js';
import { githubSink } from './github.js';
import { gitlabSink } from './gitlab.js';
import { kubeEventsSink } from './kube-events.js';
import { slackSink } from './slack.js';
import { teamsSink } from './teams.js';
import type { Sink } from './types.js';
import { webhookSink } from './webhook.js';

export type { Sink, SinkContext, SinkResult, PostedMessage } from './types.js';
export type { HttpOptions } from './http.js';

/** Every sink type's implementation (Kubernetes Events write through `objects`). */
export function sinksByType(objects: ObjectsApi): Record<SinkType, Sink> {
  return {
    webhook: webhookSink,
    slack: slackSink,
    teams: teamsSink,
    github: githubSink,
    gitlab: gitlabSink,
    gitea: giteaSink,
    'kubernetes-events': kubeEventsSink(objects),
  };
}
