/** What the demo prints once every app is ready: copy-paste commands that work. Pure. */

export interface NextStepsInput {
  clusterName: string;
  kubeconfig: string;
  /** The demo clone a person commits in. */
  workingDir: string;
  /** How to run the CLI, e.g. `node /path/to/dist/src/cli/main.js`. */
  cli: string;
  /** Folder holding kubectl, when kubectl is not on PATH. */
  toolchainBin?: string;
  /** Whether the CLI has a `rollback` command. */
  hasRollback: boolean;
  repoURL: string;
  credentialsFile: string;
  controllerLog: string;
  /** The controller keeps running in this process until Ctrl-C (false with --once). */
  keepsRunning: boolean;
  /** The web dashboard's URL that logs in (while the demo runs). */
  dashboardURL?: string;
  /** Whether `mooring demo canary` can run (Prometheus started, the controller keeps running). */
  canaryStep?: boolean;
}

/** The "try this next" text, with the commands in the order a person would use them. */
export function nextSteps(input: NextStepsInput): string {
  const lines = [
    'Try it, in another terminal:',
    '',
    ...(input.toolchainBin === undefined
      ? []
      : [`  export PATH="${input.toolchainBin}:$PATH"          # kubectl, helm, kustomize`]),
    `  export KUBECONFIG=${input.kubeconfig}`,
    `  alias mooring="${input.cli}"`,
    '  kubectl get applications -n mooring-system',
    '',
    `  # Git is the desired state: commit a change, push, and it is applied within ~5 s`,
    `  cd ${input.workingDir}`,
    `  sed -i 's/replicas: 2/replicas: 4/' guestbook/deployment.yaml`,
    `  git commit -am "guestbook: 4 replicas" && git push`,
    '  kubectl get deployment guestbook -n guestbook -w      # Ctrl-C to stop watching',
    '',
    '  # A change made by hand is drift: it is taken back at once',
    '  kubectl scale deployment/guestbook -n guestbook --replicas=5',
    '  kubectl get deployment guestbook -n guestbook -w',
    '',
    '  # What was synced, when, and why',
    '  mooring status guestbook',
    '  mooring history guestbook',
    ...(input.hasRollback
      ? ['  mooring rollback guestbook       # a revert commit pushed to Git (then git pull in the clone)']
      : []),
    ...(input.canaryStep === true
      ? [
          '',
          '  # Progressive delivery: push a bad version, watch its canary abort and the revert land in Git',
          `  mooring demo canary${input.clusterName === 'demo' ? '' : ` --name ${input.clusterName}`}   # then a good version, promoted`,
        ]
      : []),
    '',
    ...(input.dashboardURL === undefined
      ? []
      : [`Dashboard (opens logged in, token valid 1 h): ${input.dashboardURL}`]),
    `Git server: ${input.repoURL} (user and password in ${input.credentialsFile})`,
    `Controller log: ${input.controllerLog}`,
    '',
    ...(input.keepsRunning
      ? ['Mooring runs in this terminal: Ctrl-C stops it; the cluster keeps running.']
      : ['The demo controller has stopped (--once); run the demo again to resume syncing.']),
    `Stop the cluster: mooring dev cluster down --name ${input.clusterName}`,
  ];
  return lines.join('\n') + '\n';
}
