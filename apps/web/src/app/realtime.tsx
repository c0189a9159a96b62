import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { realtimeMessageSchema, type RealtimeMessage } from '@postdesk/contracts';

type Listener = (message: RealtimeMessage) => void;

interface RealtimeContextValue {
  connected: boolean;
  subscribe(listener: Listener): () => void;
}

const RealtimeContext = createContext<RealtimeContextValue>({ connected: false, subscribe: () => () => undefined });

/** Query keys the pushes make stale; screens simply use these keys. */
export const liveKeys = {
  presence: ['me', 'presence'] as const,
  offers: ['me', 'offers'] as const,
  interactions: ['me', 'interactions'] as const,
  queues: ['supervisor', 'queues'] as const,
  agents: ['supervisor', 'agents'] as const,
  campaigns: ['campaigns'] as const,
  pauseReasons: ['pause-reasons'] as const,
};

// Reconnect quickly after a blip, then back off so a down server is not hammered.
const RETRY_MS = [500, 1_000, 2_000, 5_000, 10_000, 15_000];

/**
 * One WebSocket per signed-in console. Pushes are hints: each one marks the
 * matching queries stale and screens re-read through the API, so a missed
 * push (a reconnect) is repaired by the refetch that follows every reconnect.
 */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const listeners = useRef(new Set<Listener>());
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    let socket: WebSocket | null = null;
    let attempt = 0;
    let timer: number | null = null;
    let stopped = false;
    const invalidate = (key: readonly string[]) => void queryClient.invalidateQueries({ queryKey: key });

    const open = () => {
      const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/ws`;
      socket = new WebSocket(url);
      socket.onopen = () => {
        attempt = 0;
        setConnected(true);
        for (const key of Object.values(liveKeys)) invalidate(key);
      };
      socket.onmessage = (event) => {
        let data: unknown;
        try {
          data = JSON.parse(String(event.data));
        } catch {
          return;
        }
        // the contract's union: a push of a type this console does not know is ignored
        const parsed = realtimeMessageSchema.safeParse(data);
        if (!parsed.success) return;
        const message: RealtimeMessage = parsed.data;
        switch (message.type) {
          case 'offer.created':
          case 'offer.ended':
            invalidate(liveKeys.offers);
            break;
          case 'interaction.assigned':
          case 'interaction.removed':
          case 'message.received':
          case 'message.changed':
            invalidate(liveKeys.interactions);
            break;
          case 'presence.changed':
            invalidate(liveKeys.presence);
            break;
          case 'agent.changed':
            invalidate(liveKeys.agents);
            break;
          case 'campaign.changed':
            // a held (or resumed) SMTP account: the campaigns screen, and the messages waiting behind it
            invalidate(liveKeys.campaigns);
            invalidate(liveKeys.interactions);
            invalidate(liveKeys.queues);
            break;
          case 'pause_reasons.changed':
            invalidate(liveKeys.pauseReasons);
            break;
          case 'queue.changed':
            invalidate(liveKeys.queues);
            invalidate(liveKeys.agents);
            break;
          default:
            break;
        }
        for (const listener of listeners.current) listener(message);
      };
      socket.onclose = (event) => {
        setConnected(false);
        socket = null;
        // 4001: logged out by a supervisor, 4401: the session or token ended — the next API call sends the user to the login page
        if (stopped || event.code === 4001 || event.code === 4401) {
          if (!stopped) invalidate(['auth', 'me']);
          return;
        }
        // 4409: the user's rights changed (a new role): re-read who they are, and reconnect with the new rights
        if (event.code === 4409) invalidate(['auth', 'me']);
        timer = window.setTimeout(open, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
      };
    };
    open();
    return () => {
      stopped = true;
      if (timer !== null) window.clearTimeout(timer);
      socket?.close();
    };
  }, [queryClient]);

  const value = useRef<RealtimeContextValue>({
    connected: false,
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  });
  return <RealtimeContext.Provider value={{ ...value.current, connected }}>{children}</RealtimeContext.Provider>;
}

/** Whether the push channel is up (screens show "live" or "reconnecting"). */
export function useRealtimeConnected(): boolean {
  return useContext(RealtimeContext).connected;
}

/** Calls `handler` for every pushed message while the component is mounted. */
export function useRealtimeMessages(handler: Listener): void {
  const { subscribe } = useContext(RealtimeContext);
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => subscribe((m) => latest.current(m)), [subscribe]);
}
