import type { ParserPool } from '@postdesk/mailkit/parse';
import type { RenderPool } from '@postdesk/mailkit/render';
import type { Config } from './config.ts';
import type { BlobStore } from './platform/blobs/blob-store.ts';
import type { EventBus } from './platform/events/event-bus.ts';
import type { Db } from './platform/db/db.ts';
import type { Metrics } from './platform/http/metrics.ts';
import type { Logger } from './platform/log/logger.ts';
import type { SecretBox } from './platform/secrets/secret-box.ts';
import type { ConnectionChecker } from './modules/campaigns/connection-checker.ts';
import type { OAuthRuntime } from './modules/oauth/index.ts';

/** Everything a use case may touch, passed in; there are no singletons. */
export interface Deps {
  db: Db;
  config: Config;
  log: Logger;
  secrets: SecretBox;
  metrics: Metrics;
  checker: ConnectionChecker;
  now: () => Date;
  /** Raw messages and attachments, content-addressed. */
  blobs: BlobStore;
  /** Safe MIME parsing off the main thread. */
  parser: ParserPool;
  /** HTML sanitising off the main thread, on threads of its own (never the parser's). */
  render: RenderPool;
  /** Signs our Message-IDs (derived from the master key). */
  mailSecret: Buffer;
  /** This node's view of every node's events (PostgreSQL LISTEN). */
  events: EventBus;
  /** OAuth2 mailboxes: one protocol client per provider, one token refresh in flight per account. */
  oauth: OAuthRuntime;
}
