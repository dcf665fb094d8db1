/** Who an API request is, and what a route may ask of the cluster's RBAC about it. */

/** A Kubernetes identity, as TokenReview returns it (or as an OIDC token maps to it). */
export interface Identity {
  /** Kubernetes user name, e.g. `system:serviceaccount:team-a:ci` or `oidc:alice`. */
  user: string;
  uid?: string;
  groups: string[];
  /** TokenReview's extra (pod name, credential id...): SubjectAccessReview takes it as well. */
  extra?: Record<string, string[]>;
  /** How the identity was established. */
  via: 'token-review' | 'oidc';
}

/** The verbs the API authorises on applications.mooring.dev. */
export type ApplicationVerb = 'get' | 'list' | 'watch' | 'patch';

/** One question to the cluster: may `identity` do `verb` on Applications in `namespace` (named `name`)? */
export interface AccessQuestion {
  verb: ApplicationVerb;
  /** Undefined: in every namespace (a cluster-wide list). */
  namespace?: string;
  name?: string;
  /** Default `applications`; `syncrecords` or `events` for the routes that read them. */
  resource?: string;
  /** Default `mooring.dev`. */
  group?: string;
}

/** Turns a bearer token into an identity; undefined when the token is not valid. Never logs the token. */
export interface Authenticator {
  authenticate(token: string): Promise<Identity | undefined>;
  /** How people may sign in besides pasting a token (GET /api/auth/config); absent: token only. */
  loginConfig?(): Promise<LoginConfig>;
}

/** What GET /api/auth/config answers: public settings only, never a secret. */
export interface LoginConfig {
  oidc?: {
    issuer: string;
    clientId: string;
    authorizationEndpoint: string;
    tokenEndpoint: string;
    scopes: string[];
  };
}

/** Asks the cluster (SubjectAccessReview) whether an identity may do something. Cached. */
export interface Authorizer {
  allowed(identity: Identity, question: AccessQuestion): Promise<boolean>;
}
