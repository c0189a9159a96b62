import { describe, expect, it } from 'vitest';
import { transition, type LifecycleEvent, type LifecycleState } from './interaction-state.ts';

const s = (queueState: LifecycleState['queueState'], over: Partial<LifecycleState> = {}): LifecycleState => ({
  status: queueState === 'done' ? 'closed' : 'open',
  queueState,
  assignedTo: queueState === 'assigned' ? 'ana' : null,
  transferPending: false,
  ...over,
});

// [from, event, expected: "status/queueState" or the refusal]
const cases: Array<[string, LifecycleState, LifecycleEvent, string]> = [
  ['new mail', s('waiting'), 'receive', 'open/waiting'],
  ['an agent writes first', s('waiting'), 'start', 'open/assigned'],
  ['routing offers', s('waiting'), 'offer', 'open/offered'],
  ['an offered one is not offered again', s('offered'), 'offer', 'the interaction is not waiting'],
  ['an assigned one is not offered', s('assigned'), 'offer', 'the interaction is not waiting'],
  ['a closed one is not offered', s('done'), 'offer', 'the interaction is not waiting'],
  ['auto-assign', s('waiting'), 'assign', 'open/assigned'],
  ['auto-assign needs it waiting', s('offered'), 'assign', 'the interaction is not waiting'],
  ['an offer accepted', s('offered'), 'accept', 'open/assigned'],
  ['a transfer offer accepted (the first agent still holds it)', s('assigned'), 'accept', 'open/assigned'],
  ['no offer of a closed one is taken', s('done'), 'accept', 'this offer is no longer available'],
  ['the last offer lapsed: waits again', s('offered'), 'requeue', 'open/waiting'],
  ['a declined transfer offer leaves it assigned', s('assigned'), 'requeue', 'the interaction is not offered'],
  ['closed while waiting (abandoned)', s('waiting'), 'close', 'closed/done'],
  ['closed while offered', s('offered'), 'close', 'closed/done'],
  ['closed by its agent', s('assigned'), 'close', 'closed/done'],
  ['closed twice', s('done'), 'close', 'the interaction is already closed'],
  ['transfer to an agent', s('assigned'), 'transfer_to_agent', 'open/assigned'],
  ['transfer to a campaign', s('assigned'), 'transfer_to_queue', 'open/waiting'],
  ['only in progress: waiting', s('waiting'), 'transfer_to_queue', 'only an interaction in progress can be transferred'],
  ['only in progress: offered', s('offered'), 'transfer_to_agent', 'only an interaction in progress can be transferred'],
  ['only in progress: closed', s('done'), 'transfer_to_agent', 'only an interaction in progress can be transferred'],
  ['only in progress: nobody holds it', s('assigned', { assignedTo: null }), 'transfer_to_agent', 'only an interaction in progress can be transferred'],
  ['one transfer at a time', s('assigned', { transferPending: true }), 'transfer_to_queue', 'a transfer of this interaction is already waiting'],
  ['a campaign transfer nobody took returns', s('waiting', { transferPending: true }), 'return_transfer', 'open/assigned'],
  ['… also while it is being offered', s('offered', { transferPending: true }), 'return_transfer', 'open/assigned'],
  ['taken in time: nothing returns', s('assigned', { transferPending: true }), 'return_transfer', 'the transfer was taken or already returned'],
  ['closed meanwhile: nothing returns', s('done', { transferPending: true }), 'return_transfer', 'the transfer was taken or already returned'],
  ['already returned', s('waiting'), 'return_transfer', 'the transfer was taken or already returned'],
  ['a reply reopens a closed one', s('done'), 'reopen', 'open/waiting'],
  ['an open one is not reopened', s('assigned'), 'reopen', 'the interaction is open'],
];

describe('the interaction lifecycle', () => {
  it.each(cases)('%s', (_name, from, event, expected) => {
    const t = transition(from, event);
    expect(t.ok ? `${t.status}/${t.queueState}` : t.reason).toBe(expected);
  });
});
