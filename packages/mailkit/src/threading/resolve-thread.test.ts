import { describe, expect, it } from 'vitest';
import { resolveThread, type ResolveThreadInput, type ThreadCandidate, type ThreadDecision } from './resolve-thread.ts';

const ANA = 'ana@customer.example';
const BOB = 'bob@customer.example';
const MALLORY = 'mallory@evil.example';

const cand = (interactionId: string, via: ThreadCandidate['via'], participants: string[] = [ANA], status: ThreadCandidate['status'] = 'open'): ThreadCandidate => ({
  interactionId,
  via,
  participants,
  status,
});

describe('resolveThread', () => {
  const cases: Array<[string, Partial<ResolveThreadInput> & Pick<ResolveThreadInput, 'candidates'>, ThreadDecision]> = [
    // nothing to go on
    ['no candidates → new, unlinked', { candidates: [] }, { action: 'new', linkedTo: null, reason: 'no_candidate' }],

    // each kind of evidence on its own
    ['own Message-ID, sender participates → append', { candidates: [cand('A', 'own-message-id')] }, { action: 'append', interactionId: 'A', reopen: false, via: 'own-message-id' }],
    ['References, sender participates → append', { candidates: [cand('A', 'references')] }, { action: 'append', interactionId: 'A', reopen: false, via: 'references' }],
    ['subject token, sender participates → append', { candidates: [cand('A', 'subject-token')] }, { action: 'append', interactionId: 'A', reopen: false, via: 'subject-token' }],

    // priority between kinds of evidence
    [
      'own Message-ID beats References and subject token',
      { candidates: [cand('T', 'subject-token'), cand('R', 'references'), cand('M', 'own-message-id')] },
      { action: 'append', interactionId: 'M', reopen: false, via: 'own-message-id' },
    ],
    [
      'References beat a subject token',
      { candidates: [cand('T', 'subject-token'), cand('R', 'references')] },
      { action: 'append', interactionId: 'R', reopen: false, via: 'references' },
    ],
    [
      'the strongest evidence decides even when the sender is only on a weaker candidate',
      { candidates: [cand('M', 'own-message-id', [BOB]), cand('T', 'subject-token', [ANA])] },
      { action: 'new', linkedTo: 'M', reason: 'sender_not_participant' },
    ],
    [
      'several kinds of evidence for one interaction → append once, via the strongest',
      { candidates: [cand('A', 'subject-token'), cand('A', 'references'), cand('A', 'own-message-id')] },
      { action: 'append', interactionId: 'A', reopen: false, via: 'own-message-id' },
    ],

    // the participant check
    [
      'another recipient of one bulk mail replies → new, linked, never merged',
      { senderAddress: BOB, candidates: [cand('A', 'own-message-id', [ANA])] },
      { action: 'new', linkedTo: 'A', reason: 'sender_not_participant' },
    ],
    [
      'a forged reply quoting someone else\u2019s References → new, linked',
      { senderAddress: MALLORY, candidates: [cand('A', 'references', [ANA, BOB])] },
      { action: 'new', linkedTo: 'A', reason: 'sender_not_participant' },
    ],
    [
      'a forged subject token → new, linked',
      { senderAddress: MALLORY, candidates: [cand('A', 'subject-token', [ANA])] },
      { action: 'new', linkedTo: 'A', reason: 'sender_not_participant' },
    ],
    [
      'a Cc participant of the thread may reply into it',
      { senderAddress: BOB, candidates: [cand('A', 'references', [ANA, BOB])] },
      { action: 'append', interactionId: 'A', reopen: false, via: 'references' },
    ],
    [
      'an empty sender (null return path) never participates',
      { senderAddress: '', candidates: [cand('A', 'own-message-id', [ANA, ''])] },
      { action: 'new', linkedTo: 'A', reason: 'sender_not_participant' },
    ],
    [
      'addresses compare exactly as normalised by the caller',
      { senderAddress: 'ANA@customer.example', candidates: [cand('A', 'own-message-id', [ANA])] },
      { action: 'new', linkedTo: 'A', reason: 'sender_not_participant' },
    ],

    // closed interactions
    [
      'closed, campaign reopens → append and reopen',
      { onClosed: 'reopen', candidates: [cand('A', 'own-message-id', [ANA], 'closed')] },
      { action: 'append', interactionId: 'A', reopen: true, via: 'own-message-id' },
    ],
    [
      'closed, campaign starts a new one → new, linked',
      { onClosed: 'new-linked', candidates: [cand('A', 'own-message-id', [ANA], 'closed')] },
      { action: 'new', linkedTo: 'A', reason: 'closed' },
    ],
    [
      'closed and sender not a participant → linked for the participant reason, not reopened',
      { onClosed: 'reopen', senderAddress: BOB, candidates: [cand('A', 'references', [ANA], 'closed')] },
      { action: 'new', linkedTo: 'A', reason: 'sender_not_participant' },
    ],

    // ties within one kind of evidence
    [
      'tie, different interactions: the one the sender participates in wins',
      { candidates: [cand('X', 'references', [BOB]), cand('Y', 'references', [ANA])] },
      { action: 'append', interactionId: 'Y', reopen: false, via: 'references' },
    ],
    [
      'tie, sender participates in both: the caller\u2019s order decides',
      { candidates: [cand('X', 'references'), cand('Y', 'references')] },
      { action: 'append', interactionId: 'X', reopen: false, via: 'references' },
    ],
    [
      'tie, first one closed: still the caller\u2019s order (newest first)',
      { onClosed: 'new-linked', candidates: [cand('X', 'references', [ANA], 'closed'), cand('Y', 'references')] },
      { action: 'new', linkedTo: 'X', reason: 'closed' },
    ],
    [
      'tie, sender in none: linked to the first',
      { candidates: [cand('X', 'subject-token', [BOB]), cand('Y', 'subject-token', [BOB])] },
      { action: 'new', linkedTo: 'X', reason: 'sender_not_participant' },
    ],
    [
      'two subject tokens for different interactions, sender only in the second',
      { candidates: [cand('X', 'subject-token', [BOB]), cand('Y', 'subject-token', [ANA], 'closed')], onClosed: 'reopen' },
      { action: 'append', interactionId: 'Y', reopen: true, via: 'subject-token' },
    ],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(resolveThread({ senderAddress: ANA, onClosed: 'reopen', ...input })).toEqual(expected);
  });
});
