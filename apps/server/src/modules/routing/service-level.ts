/** The moments of one interaction that the statistics need (epoch ms); a moment after `now` has not happened yet. */
export interface ServiceLevelItem {
  /**
   * When the interaction last entered the queue (for mail that arrived while
   * closed, the caller may pass the opening). Reopened mail, mail waiting
   * for its sticky agent and mail transferred from another campaign entered
   * it again: their earlier acceptance and close belong to an earlier wait.
   */
  createdAt: number;
  acceptedAt?: number | null;
  closedAt?: number | null;
  /** Set when the interaction was explicitly given up (e.g. withdrawn or discarded) without being accepted. */
  abandonedAt?: number | null;
}

/** The campaign's realtime thresholds in seconds, as stored on the campaign (0 = no limit). */
export interface ServiceLevelThresholds {
  /** Time within which mail is expected to be answered: colours the average time to answer. */
  serviceLevelSec: number;
  /** Unanswered this long, mail counts as abandoned (0 = only explicit abandonment counts). */
  dropoutSec: number;
  /** Time at which the agent–customer exchange reaches its limit: colours the average handling time. */
  chatTimeSec: number;
  /** Longest acceptable wait in the queue: colours the longest current wait. */
  acdSec: number;
}

/** How a figure stands against its threshold, for the supervisor's colours. */
export type ThresholdColour = 'ok' | 'warn' | 'bad';

/** One campaign's live and per-period figures; rates and averages are null when there is nothing to measure yet. */
export interface ServiceLevelStats {
  /** Live: interactions in the queue now, neither accepted, closed nor abandoned. */
  waiting: number;
  /** Live: how long the oldest waiting interaction has waited, in whole seconds (0 when none waits). */
  longestWaitSec: number;
  /** Accepted interactions in the period. */
  accepted: number;
  /** Accepted within the campaign's service-level seconds. */
  acceptedWithinSl: number;
  /** Abandoned (dropouts) in the period, including mail still waiting past the dropout time. */
  abandoned: number;
  /** acceptedWithinSl / (accepted + abandoned + still waiting beyond the service-level time), in percent. */
  serviceLevelPct: number | null;
  /** abandoned / (accepted + abandoned), in percent. */
  dropoutPct: number | null;
  /** Mean seconds from arrival to acceptance over accepted interactions. */
  avgAnswerSec: number | null;
  /** Mean seconds from acceptance to close over interactions both accepted and closed. */
  avgHandlingSec: number | null;
  colours: {
    longestWait: ThresholdColour;
    serviceLevel: ThresholdColour;
    dropout: ThresholdColour;
    handling: ThresholdColour;
  };
}

/** Options: the campaign's service-level seconds (queue setting), its thresholds, and the caller's clock reading. */
export interface ServiceLevelOptions {
  serviceLevelSec: number;
  thresholds: ServiceLevelThresholds;
  now: number;
}

/** A figure turns amber at this share of its limit, so supervisors see trouble before it happens. */
export const WARN_SHARE = 0.8;

/** One colour rule for every time figure: ok below 80 % of the limit, warn from there, bad at or past it; limit 0 (or no figure) = ok. */
export function colourFor(valueSec: number | null, limitSec: number): ThresholdColour {
  if (valueSec === null || !(limitSec > 0)) return 'ok';
  if (valueSec >= limitSec) return 'bad';
  return valueSec >= WARN_SHARE * limitSec ? 'warn' : 'ok';
}

const happened = (t: number | null | undefined, now: number): t is number => typeof t === 'number' && t <= now;
// A moment of this wait: after the interaction last entered the queue, and not after now.
const during = (t: number | null | undefined, it: ServiceLevelItem, now: number): t is number => happened(t, now) && t >= it.createdAt;
const pct = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);
const mean = (xs: readonly number[]): number | null => (xs.length > 0 ? Math.round(xs.reduce((s, x) => s + x, 0) / xs.length / 1000) : null);

/**
 * The supervisor's per-campaign figures from the interactions of a period
 * (the caller picks them, e.g. created today in the campaign's zone, plus any
 * still waiting), evaluated as of `now`. Definitions:
 * - every moment counts only from when the interaction last entered the
 *   queue (createdAt): an acceptance or close before it ended an earlier
 *   wait, so reopened, sticky-waiting and transferred mail waits again;
 * - accepted: createdAt ≤ acceptedAt ≤ now; within SL when acceptedAt − createdAt ≤ serviceLevelSec;
 * - abandoned (dropout): never accepted, and abandonedAt or closedAt is set,
 *   or it has waited at least thresholds.dropoutSec (when > 0) — email has no
 *   hang-up, so mail left unanswered that long counts as given up;
 * - service level counts only interactions whose outcome is known: accepted,
 *   abandoned, or still waiting past the service-level time (already missed);
 * - colours: longest wait vs ACD, average answer vs the SL threshold,
 *   dropout bad as soon as anything was abandoned and warn while a waiting
 *   mail nears the dropout time, average handling vs chat time.
 */
export function serviceLevelStats(items: readonly ServiceLevelItem[], options: ServiceLevelOptions): ServiceLevelStats {
  const { now, thresholds } = options;
  const slMs = options.serviceLevelSec * 1000;
  const dropoutMs = thresholds.dropoutSec * 1000;
  let waiting = 0;
  let longestMs = 0;
  let accepted = 0;
  let acceptedWithinSl = 0;
  let abandoned = 0;
  let missedWhileWaiting = 0;
  const answers: number[] = [];
  const handling: number[] = [];

  for (const it of items) {
    if (it.createdAt > now) continue;
    if (during(it.acceptedAt, it, now)) {
      const answer = it.acceptedAt - it.createdAt;
      accepted++;
      answers.push(answer);
      if (answer <= slMs) acceptedWithinSl++;
      if (happened(it.closedAt, now)) handling.push(Math.max(0, it.closedAt - it.acceptedAt));
      continue;
    }
    if (during(it.abandonedAt, it, now) || during(it.closedAt, it, now)) {
      abandoned++;
      continue;
    }
    const waited = now - it.createdAt;
    waiting++;
    longestMs = Math.max(longestMs, waited);
    if (dropoutMs > 0 && waited >= dropoutMs) abandoned++;
    else if (waited > slMs) missedWhileWaiting++;
  }

  const longestWaitSec = Math.floor(longestMs / 1000);
  const avgAnswerSec = mean(answers);
  const avgHandlingSec = mean(handling);
  const dropoutWarn = colourFor(longestWaitSec, thresholds.dropoutSec) !== 'ok';
  return {
    waiting,
    longestWaitSec,
    accepted,
    acceptedWithinSl,
    abandoned,
    serviceLevelPct: pct(acceptedWithinSl, accepted + abandoned + missedWhileWaiting),
    dropoutPct: pct(abandoned, accepted + abandoned),
    avgAnswerSec,
    avgHandlingSec,
    colours: {
      longestWait: colourFor(longestWaitSec, thresholds.acdSec),
      serviceLevel: colourFor(avgAnswerSec, thresholds.serviceLevelSec),
      dropout: abandoned > 0 ? 'bad' : dropoutWarn ? 'warn' : 'ok',
      handling: colourFor(avgHandlingSec, thresholds.chatTimeSec),
    },
  };
}
