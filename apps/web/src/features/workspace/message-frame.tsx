import { Box, Button, Group } from '@mantine/core';
import { IconPhoto } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

// A plain-text body's height, guessed from its start (the snippet is its
// first 400 characters): the frame's size until its document has loaded.
function textHeight(snippet: string): number {
  const lines = snippet.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(line.length / 90)), 0);
  return snippet.length >= 400 ? 420 : Math.min(420, 28 + lines * 21);
}

// Room for a horizontal scroll bar under a wide table.
const SCROLLBAR_ROOM = 18;
// The box's border, outside the frame's own height.
const BORDER = 1;
// Past this the frame scrolls: a body sized to its viewport (height: 100vh)
// would otherwise grow with every measure.
const MAX_HEIGHT = 4000;

/**
 * A message body in a sandboxed frame: no scripts (nothing in it can run, so
 * the same origin it is given lets the console only measure and read it),
 * and the server's own Content-Security-Policy on the document. The frame
 * takes the height of its content, following it as quotes are opened. Remote
 * images stay blocked until the agent asks for them, per message; the offer
 * shows only when the sanitiser held some back (the document says how many).
 */
export function MessageFrame({ messageId, html, snippet }: { messageId: number; html: boolean; snippet: string }) {
  const { t } = useTranslation();
  const [images, setImages] = useState(false);
  const [blocked, setBlocked] = useState(false);
  const [height, setHeight] = useState<number>(html ? 120 : textHeight(snippet));
  const frame = useRef<HTMLIFrameElement>(null);
  const stop = useRef<(() => void) | null>(null);
  const src = `/api/messages/${messageId}/body${images ? '?images=1' : ''}`;
  useEffect(() => () => stop.current?.(), []);

  const onLoad = () => {
    stop.current?.();
    stop.current = null;
    const doc = frame.current?.contentDocument;
    if (!doc?.documentElement) return;
    const root = doc.documentElement;
    setBlocked(Number(root.dataset.blockedRemote) > 0);
    const wide = () => root.scrollWidth > root.clientWidth;
    const measure = () => setHeight(Math.min(MAX_HEIGHT, Math.max(40, Math.ceil(root.getBoundingClientRect().height) + (wide() ? SCROLLBAR_ROOM : 0))));
    measure();
    // images loading, quotes opened, the column resized: the content's height follows
    const observer = new ResizeObserver(measure);
    observer.observe(root);
    stop.current = () => observer.disconnect();
  };

  return (
    <Box>
      {html && !images && blocked ? (
        <Group justify="flex-end" mb={4}>
          <Button size="compact-xs" variant="subtle" leftSection={<IconPhoto size={14} />} onClick={() => setImages(true)} data-testid={`load-images-${messageId}`}>
            {t('desk.loadImages')}
          </Button>
        </Group>
      ) : null}
      <Box style={{ height: height + 2 * BORDER, border: `${BORDER}px solid var(--mantine-color-default-border)`, borderRadius: 6, overflow: 'hidden', resize: height >= MAX_HEIGHT ? 'vertical' : undefined }}>
        <iframe
          key={src}
          ref={frame}
          src={src}
          onLoad={onLoad}
          title={t('desk.messageBody')}
          sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
          referrerPolicy="no-referrer"
          data-testid={`message-frame-${messageId}`}
          style={{ width: '100%', height: '100%', border: 0, display: 'block', background: 'white' }}
        />
      </Box>
    </Box>
  );
}
