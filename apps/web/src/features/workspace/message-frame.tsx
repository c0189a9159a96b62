import { Box, Button, Group } from '@mantine/core';
import { IconPhoto } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

// A plain-text body's height, guessed from its start (the snippet is its
// first 400 characters): short mail gets a short frame, long mail a tall one.
function textHeight(snippet: string): number {
  const lines = snippet.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(line.length / 90)), 0);
  return snippet.length >= 400 ? 420 : Math.min(420, 28 + lines * 21);
}

/**
 * A message body in a sandboxed frame: no scripts, an opaque origin (it can
 * reach neither this page nor the API with the agent's rights), and the
 * server's own Content-Security-Policy on the document. Remote images stay
 * blocked until the agent asks for them, per message. The frame cannot tell
 * us its height (that would need script), so it is resizable instead.
 */
export function MessageFrame({ messageId, html, snippet }: { messageId: number; html: boolean; snippet: string }) {
  const { t } = useTranslation();
  const height = html ? 380 : textHeight(snippet);
  const [images, setImages] = useState(false);
  const src = `/api/messages/${messageId}/body${images ? '?images=1' : ''}`;
  return (
    <Box>
      {html && !images ? (
        <Group justify="flex-end" mb={4}>
          <Button size="compact-xs" variant="subtle" leftSection={<IconPhoto size={14} />} onClick={() => setImages(true)} data-testid={`load-images-${messageId}`}>
            {t('desk.loadImages')}
          </Button>
        </Group>
      ) : null}
      <Box style={{ resize: 'vertical', overflow: 'hidden', height, minHeight: 60, border: '1px solid var(--mantine-color-default-border)', borderRadius: 6 }}>
        <iframe
          key={src}
          src={src}
          title={t('desk.messageBody')}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          referrerPolicy="no-referrer"
          data-testid={`message-frame-${messageId}`}
          style={{ width: '100%', height: '100%', border: 0, display: 'block', background: 'white' }}
        />
      </Box>
    </Box>
  );
}
