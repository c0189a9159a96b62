// The interaction's lifecycle as a pure table: which change may happen in
// which state, and where it leads. The repo writes the rows; use cases ask
// here first, so every module refuses an impossible change the same way.

/** Whether the conversation is still being worked. */
export type InteractionStatus = 'open' | 'closed';

/**
 * Where the interaction is in the queue: waiting for an agent, offered to
 * some (their answer pending), assigned to one, or done (closed).
 */
export type QueueState = 'waiting' | 'offered' | 'assigned' | 'done';

/** What the lifecycle needs to know about an interaction, read under its row lock. */
export interface LifecycleState {
  status: InteractionStatus;
  queueState: QueueState;
  assignedTo: string | null;
  /** A transfer of it is waiting for an answer (an agent's offer or the campaign's timeout). */
  transferPending: boolean;
}

/** Every change an interaction's state goes through, named after what causes it. */
export type LifecycleEvent =
  /** a customer's first message, or one opening a new linked interaction */
  | 'receive'
  /** an agent writes to a customer first: in their hands at once */
  | 'start'
  /** routing offers it to one or more agents */
  | 'offer'
  /** routing gives it to an agent directly (auto-assign) */
  | 'assign'
  /** an agent takes an offer (a routing, sticky or transfer offer) */
  | 'accept'
  /** the last pending offer ended unanswered: it waits again at its old place */
  | 'requeue'
  | 'close'
  /** its agent offers it to another agent of the campaign; it stays theirs meanwhile */
  | 'transfer_to_agent'
  /** its agent moves it to another campaign's queue */
  | 'transfer_to_queue'
  /** a campaign transfer nobody took in time: back to the agent who made it */
  | 'return_transfer'
  /** a customer answers a closed interaction */
  | 'reopen';

/** Where a change leads, or why it may not happen (the message a caller shows). */
export type Transition =
  | { ok: true; status: InteractionStatus; queueState: QueueState }
  | { ok: false; reason: string };

const to = (status: InteractionStatus, queueState: QueueState): Transition => ({ ok: true, status, queueState });
const refuse = (reason: string): Transition => ({ ok: false, reason });

/** The interaction state of a freshly created interaction. */
export const INITIAL: Readonly<Record<'receive' | 'start', { status: InteractionStatus; queueState: QueueState }>> = {
  receive: { status: 'open', queueState: 'waiting' },
  start: { status: 'open', queueState: 'assigned' },
};

/**
 * The lifecycle: waiting → offered → assigned → closed, with transfers and
 * reopening. Concurrency is not decided here: the repo's conditional updates
 * (under the row lock) make two racing changes end with one winner; this
 * table says which changes exist at all.
 */
export function transition(s: LifecycleState, event: LifecycleEvent): Transition {
  const open = s.status === 'open';
  switch (event) {
    case 'receive':
      return to(INITIAL.receive.status, INITIAL.receive.queueState);
    case 'start':
      return to(INITIAL.start.status, INITIAL.start.queueState);
    case 'offer':
      return open && s.queueState === 'waiting' ? to('open', 'offered') : refuse('the interaction is not waiting');
    case 'assign':
      return open && s.queueState === 'waiting' ? to('open', 'assigned') : refuse('the interaction is not waiting');
    case 'accept':
      // a routing offer is accepted while offered, a transfer offer while its agent still holds it
      return open && s.queueState !== 'done' ? to('open', 'assigned') : refuse('this offer is no longer available');
    case 'requeue':
      return open && s.queueState === 'offered' ? to('open', 'waiting') : refuse('the interaction is not offered');
    case 'close':
      return open ? to('closed', 'done') : refuse('the interaction is already closed');
    case 'transfer_to_agent':
    case 'transfer_to_queue':
      if (!open || s.queueState !== 'assigned' || !s.assignedTo) return refuse('only an interaction in progress can be transferred');
      if (s.transferPending) return refuse('a transfer of this interaction is already waiting');
      return to('open', event === 'transfer_to_agent' ? 'assigned' : 'waiting');
    case 'return_transfer':
      return open && (s.queueState === 'waiting' || s.queueState === 'offered') && s.transferPending
        ? to('open', 'assigned')
        : refuse('the transfer was taken or already returned');
    case 'reopen':
      return open ? refuse('the interaction is open') : to('open', 'waiting');
    default: {
      const never: never = event;
      return never;
    }
  }
}
