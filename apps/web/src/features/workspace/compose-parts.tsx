import { ActionIcon, Badge, Button, FileButton, Group, Kbd, Menu, Text } from '@mantine/core';
import { IconFileText, IconMessage2, IconPaperclip, IconSend, IconTrash } from '@tabler/icons-react';
import { Extension } from '@tiptap/react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AttachmentRef } from '@postdesk/contracts';
import { formatBytes } from '../../components/format-bytes.ts';
import { notifyError } from '../../components/notify.ts';
import { useCannedAnswers } from '../canned-answers/canned-answers-api.ts';
import { useTemplates } from '../templates/templates-api.ts';
import { cannedToHtml, fillFields } from './compose-values.ts';
import { uploadFile } from './workspace-api.ts';

// The pieces every message an agent writes shares: the answer composer in a
// thread and the new mail form.

/** A file going with the message: an upload, or a file of a stored message (forward). */
export interface FileItem {
  ref: AttachmentRef;
  name: string;
  size: number;
}

/** Mod+Enter sends: the editor must not swallow it as a hard break. */
export const SendOnModEnter = (send: () => void) =>
  Extension.create({
    name: 'sendOnModEnter',
    priority: 1000,
    addKeyboardShortcuts() {
      return {
        'Mod-Enter': () => {
          send();
          return true;
        },
      };
    },
  });

/** The campaign's templates and canned answers, inserted with the message's fields filled. */
export function InsertMenus({ campaignId, values, onInsert }: { campaignId: string | null; values: Readonly<Record<string, string>>; onInsert: (html: string) => void }) {
  const { t } = useTranslation();
  const templates = useTemplates(campaignId);
  const canned = useCannedAnswers(campaignId);
  return (
    <>
      <Menu position="bottom-start" withinPortal>
        <Menu.Target>
          <Button size="compact-xs" variant="default" leftSection={<IconFileText size={14} />} data-testid="insert-template">
            {t('desk.templates')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown mah={320} style={{ overflowY: 'auto' }}>
          {(templates.data ?? []).map((tpl) => (
            <Menu.Item key={tpl.id} onClick={() => onInsert(fillFields(tpl.html, values, true))}>
              {tpl.name}
            </Menu.Item>
          ))}
          {templates.data?.length === 0 ? <Menu.Label>{t('desk.noTemplates')}</Menu.Label> : null}
        </Menu.Dropdown>
      </Menu>
      <Menu position="bottom-start" withinPortal>
        <Menu.Target>
          <Button size="compact-xs" variant="default" leftSection={<IconMessage2 size={14} />} ml={4} data-testid="insert-canned">
            {t('desk.canned')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown mah={320} style={{ overflowY: 'auto' }}>
          {(canned.data ?? []).map((c) => (
            <Menu.Item key={c.id} onClick={() => onInsert(cannedToHtml(c.text, values))}>
              {c.name}
            </Menu.Item>
          ))}
          {canned.data?.length === 0 ? <Menu.Label>{t('desk.noCanned')}</Menu.Label> : null}
        </Menu.Dropdown>
      </Menu>
    </>
  );
}

/** The files going with the message, each removable. */
export function FileBadges({ files, onRemove }: { files: FileItem[]; onRemove: (index: number) => void }) {
  const { t, i18n } = useTranslation();
  if (files.length === 0) return null;
  return (
    <Group gap={6} data-testid="compose-files">
      {files.map((f, i) => (
        <Badge
          key={i}
          variant="light"
          color="gray"
          size="lg"
          tt="none"
          leftSection={<IconPaperclip size={12} />}
          rightSection={
            <ActionIcon size="xs" variant="transparent" color="gray" onClick={() => onRemove(i)} aria-label={t('desk.removeFile', { name: f.name })}>
              <IconTrash size={12} />
            </ActionIcon>
          }
        >
          {f.name}
          {f.size ? ` · ${formatBytes(f.size, i18n.language)}` : ''}
        </Badge>
      ))}
    </Group>
  );
}

/** Picks files and uploads each one; onAdded is called as each upload lands. */
export function AttachButton({ onAdded }: { onAdded: (file: FileItem) => void }) {
  const { t } = useTranslation();
  const [uploading, setUploading] = useState(false);
  const attach = async (picked: File[]) => {
    setUploading(true);
    try {
      for (const file of picked) {
        const up = await uploadFile(file);
        onAdded({ ref: { uploadId: up.id }, name: up.filename, size: up.size });
      }
    } catch (error) {
      notifyError(t, error);
    } finally {
      setUploading(false);
    }
  };
  return (
    <FileButton onChange={(picked) => void attach(picked)} multiple>
      {(props) => (
        <Button {...props} size="xs" variant="default" leftSection={<IconPaperclip size={14} />} loading={uploading} data-testid="attach-file">
          {t('desk.attach')}
        </Button>
      )}
    </FileButton>
  );
}

/** What stops the message from going, in one line; nothing when all is well. */
export function ComposeError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <Text size="xs" c="red" role="alert">
      {message}
    </Text>
  );
}

/** Send, with its keyboard shortcut beside it. */
export function SendButton({ loading, onSend, testId }: { loading: boolean; onSend: () => void; testId: string }) {
  const { t } = useTranslation();
  return (
    <Group gap="xs">
      <Text size="xs" c="dimmed">
        <Kbd size="xs">Ctrl</Kbd> + <Kbd size="xs">Enter</Kbd>
      </Text>
      <Button size="xs" leftSection={<IconSend size={14} />} loading={loading} onClick={onSend} data-testid={testId}>
        {t('desk.send')}
      </Button>
    </Group>
  );
}

export const DRAFT_SAVE_MS = 1_200;

/**
 * Saves a draft a moment after the last change. The editor keeps the
 * callbacks it was created with, so the save is read through a ref (always
 * the latest render's) rather than through a stale closure. `settle` stops a
 * pending save and waits for one in flight: call it before sending or
 * deleting, so that no save lands after them and brings the draft back.
 */
export function useDraftSaver(save: () => Promise<void> | undefined, delayMs = DRAFT_SAVE_MS) {
  const latest = useRef(save);
  latest.current = save;
  const timer = useRef<number | null>(null);
  const inFlight = useRef<Promise<void>>(Promise.resolve());
  const cancel = () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
  };
  const flush = () => {
    cancel();
    const p = latest.current();
    if (p) inFlight.current = p.catch(() => undefined);
  };
  // leaving the form (another interaction, another page) keeps what was typed
  useEffect(
    () => () => {
      if (timer.current !== null) flush();
    },
    [], // eslint-disable-line react-hooks/exhaustive-deps
  );
  return {
    schedule() {
      cancel();
      timer.current = window.setTimeout(flush, delayMs);
    },
    /** Saves now if a save is pending (closing the form keeps what was typed). */
    flushPending() {
      if (timer.current !== null) flush();
    },
    async settle() {
      cancel();
      await inFlight.current;
    },
  };
}
