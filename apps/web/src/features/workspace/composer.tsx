import { ActionIcon, Badge, Button, FileButton, Group, Kbd, Menu, Paper, SegmentedControl, Stack, TagsInput, Text, TextInput, Tooltip } from '@mantine/core';
import { Link, RichTextEditor } from '@mantine/tiptap';
import { IconFileText, IconMessage2, IconPaperclip, IconSend, IconTrash, IconX } from '@tabler/icons-react';
import { Extension, useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AttachmentRef, ComposeMode, Thread, ThreadMessage } from '../../app/contract.ts';
import { formatBytes } from '../../components/format-bytes.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { useCannedAnswers } from '../canned-answers/canned-answers-api.ts';
import { InlineFormattingControls } from '../templates/rich-text-field.tsx';
import { useTemplates } from '../templates/templates-api.ts';
import { cannedToHtml, fillFields, formatAddress, parseAddress, recipientsFor } from './compose-values.ts';
import { deleteDraft, saveDraft, uploadFile, useSend } from './workspace-api.ts';

interface FileItem {
  ref: AttachmentRef;
  name: string;
  size: number;
}

const DRAFT_SAVE_MS = 1_200;

/** A forward carries the original's files (not its inline images); the agent can remove them. */
const filesOf = (m: ThreadMessage): FileItem[] =>
  m.attachments.filter((a) => !a.inline).map((a) => ({ ref: { messageId: m.id, partPath: a.partPath }, name: a.filename, size: a.size }));

/** The name of a stored file a draft refers to; an upload's name is not in the thread. */
const fileName = (thread: Thread, ref: AttachmentRef): string | undefined =>
  'messageId' in ref ? thread.messages.find((m) => m.id === ref.messageId)?.attachments.find((a) => a.partPath === ref.partPath)?.filename : undefined;

/** Mod+Enter sends: the editor must not swallow it as a hard break. */
const SendOnModEnter = (send: () => void) =>
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

/**
 * Writing an answer: reply, reply all, reply with the history quoted, or
 * forward. Recipients prefilled from the message answered, the campaign's
 * signature loaded, templates and canned answers inserted with the
 * interaction's values, files uploaded or carried over from the original,
 * and the draft saved as the agent types.
 */
export function Composer({ thread, initialMode, parentId, onDone }: { thread: Thread; initialMode: ComposeMode; parentId: number | undefined; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const it = thread.interaction;
  const parent = thread.messages.find((m) => m.id === parentId) ?? [...thread.messages].reverse().find((m) => m.direction === 'inbound');
  const draft = thread.draft;
  const [mode, setMode] = useState<ComposeMode>(draft?.mode ?? initialMode);
  const initial = useMemo(() => (draft ? { to: draft.to, cc: draft.cc } : recipientsFor(initialMode, parent, thread)), []); // eslint-disable-line react-hooks/exhaustive-deps
  const [to, setTo] = useState<string[]>(initial.to.map(formatAddress));
  const [cc, setCc] = useState<string[]>(initial.cc.map(formatAddress));
  const [subject, setSubject] = useState(draft?.subject ?? '');
  const [files, setFiles] = useState<FileItem[]>(() => {
    if (draft)
      return draft.attachments.map((a) =>
        'uploadId' in a
          ? { ref: { uploadId: a.uploadId }, name: a.name ?? t('desk.file'), size: a.size ?? 0 }
          : { ref: a, name: fileName(thread, a) ?? t('desk.file'), size: 0 },
      );
    return initialMode === 'forward' && parent ? filesOf(parent) : [];
  });
  const [uploading, setUploading] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);
  const dirty = useRef(false);
  const send = useSend(it.id);
  const templates = useTemplates(it.campaignId);
  const canned = useCannedAnswers(it.campaignId);
  const sendRef = useRef<() => void>(() => undefined);

  const editor = useEditor({
    extensions: [StarterKit.configure({ link: false }), Link.configure({ openOnClick: false }), SendOnModEnter(() => sendRef.current())],
    content: draft?.html ?? '<p></p>',
    onUpdate: () => {
      dirty.current = true;
      scheduleSave();
    },
  });

  // The signature, once, when a fresh answer opens (a draft already has it).
  const signed = useRef(Boolean(draft));
  useEffect(() => {
    if (signed.current || !editor || !templates.data) return;
    signed.current = true;
    const signature = templates.data.find((x) => x.id === it.signatureTemplateId);
    if (signature) editor.commands.setContent(`<p></p><p></p>${fillFields(signature.html, thread.values, true)}`);
    editor.commands.focus('start');
  }, [editor, templates.data, it.signatureTemplateId, thread.values]);

  const addresses = (list: string[], field: string) => {
    const out = list.map(parseAddress);
    const bad = list.find((_x, i) => out[i] === null);
    if (bad !== undefined) throw new Error(`${field}: ${bad}`);
    return out.filter((a) => a !== null);
  };

  const body = () => ({
    mode,
    to: to.map(parseAddress).filter((a) => a !== null),
    cc: cc.map(parseAddress).filter((a) => a !== null),
    subject: subject.trim() || undefined,
    html: editor?.getHTML() ?? '',
    attachments: files.map((f) => f.ref),
  });

  // The editor keeps the callbacks it was created with, so the save reads the
  // latest state through a ref rather than through a stale closure.
  const saveTimer = useRef<number | null>(null);
  const saveNow = useRef<() => void>(() => undefined);
  saveNow.current = () => {
    if (!dirty.current || send.isPending) return;
    const draftFiles = files.map((f) => ('uploadId' in f.ref ? { ...f.ref, name: f.name, size: f.size } : f.ref));
    void saveDraft(it.id, { ...body(), attachments: draftFiles }).catch(() => undefined);
  };
  const scheduleSave = () => {
    if (saveTimer.current) window.clearTimeout(saveTimer.current);
    saveTimer.current = window.setTimeout(() => {
      saveTimer.current = null;
      saveNow.current();
    }, DRAFT_SAVE_MS);
  };
  useEffect(() => {
    if (dirty.current) scheduleSave();
  }, [to, cc, subject, files, mode]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => () => void (saveTimer.current && window.clearTimeout(saveTimer.current)), []);

  const submit = () => {
    if (send.isPending) return;
    let toList, ccList;
    try {
      toList = addresses(to, t('desk.to'));
      ccList = addresses(cc, t('desk.cc'));
    } catch (e) {
      setInvalid(t('desk.badAddress', { value: (e as Error).message }));
      return;
    }
    if (toList.length === 0) {
      setInvalid(t('desk.noRecipient'));
      return;
    }
    setInvalid(null);
    if (saveTimer.current) window.clearTimeout(saveTimer.current);
    send.mutate(
      { ...body(), to: toList, cc: ccList, parentId: parent?.id },
      {
        onSuccess: () => {
          notifySuccess(t('desk.sent'));
          onDone();
        },
        onError: (error) => notifyError(t, error),
      },
    );
  };
  sendRef.current = submit;

  const discard = () => {
    if (saveTimer.current) window.clearTimeout(saveTimer.current);
    void deleteDraft(it.id).catch(() => undefined);
    onDone();
  };

  const attach = async (picked: File[]) => {
    setUploading(true);
    try {
      for (const file of picked) {
        const up = await uploadFile(file);
        setFiles((list) => [...list, { ref: { uploadId: up.id }, name: up.filename, size: up.size }]);
        dirty.current = true;
      }
    } catch (error) {
      notifyError(t, error);
    } finally {
      setUploading(false);
    }
  };

  const insert = (html: string) => editor?.chain().focus().insertContent(html).run();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // braces matter: newer browsers return a promise from scrollIntoView, and React would take it for a cleanup
    void box.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, []);

  return (
    <Paper withBorder p="sm" radius="md" data-testid="composer" ref={box}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <SegmentedControl
            size="xs"
            value={mode}
            onChange={(v) => {
              const next = v as ComposeMode;
              setMode(next);
              dirty.current = true;
              const r = recipientsFor(next, parent, thread);
              if (next === 'forward' || mode === 'forward') {
                setTo(r.to.map(formatAddress));
                setCc(r.cc.map(formatAddress));
              } else if (next === 'reply_all') setCc(r.cc.map(formatAddress));
              if (next === 'forward' && parent && files.length === 0) {
                setFiles(filesOf(parent));
              }
            }}
            data={(['reply', 'reply_all', 'reply_history', 'forward'] as const).map((m) => ({ value: m, label: t(`desk.mode.${m}`) }))}
            data-testid="compose-mode"
          />
          <Tooltip label={t('desk.discard')}>
            <ActionIcon variant="subtle" color="gray" onClick={discard} aria-label={t('desk.discard')}>
              <IconX size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
        <TagsInput size="xs" label={t('desk.to')} value={to} onChange={setTo} splitChars={[',', ';', ' ']} data-testid="compose-to" clearable />
        <TagsInput size="xs" label={t('desk.cc')} value={cc} onChange={setCc} splitChars={[',', ';', ' ']} data-testid="compose-cc" />
        <TextInput
          size="xs"
          label={t('desk.subject')}
          placeholder={`${mode === 'forward' ? 'Fwd' : 'Re'}: ${parent?.subject ?? it.subject}`}
          value={subject}
          onChange={(e) => {
            setSubject(e.currentTarget.value);
            dirty.current = true;
          }}
        />
        <RichTextEditor editor={editor} data-testid="compose-editor">
          <RichTextEditor.Toolbar>
            <InlineFormattingControls />
            <RichTextEditor.ControlsGroup>
              <RichTextEditor.BulletList />
              <RichTextEditor.OrderedList />
              <RichTextEditor.Blockquote />
              <RichTextEditor.Link />
              <RichTextEditor.Unlink />
            </RichTextEditor.ControlsGroup>
            <RichTextEditor.ControlsGroup>
              <Menu position="bottom-start" withinPortal>
                <Menu.Target>
                  <Button size="compact-xs" variant="default" leftSection={<IconFileText size={14} />} data-testid="insert-template">
                    {t('desk.templates')}
                  </Button>
                </Menu.Target>
                <Menu.Dropdown mah={320} style={{ overflowY: 'auto' }}>
                  {(templates.data ?? []).map((tpl) => (
                    <Menu.Item key={tpl.id} onClick={() => insert(fillFields(tpl.html, thread.values, true))}>
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
                    <Menu.Item key={c.id} onClick={() => insert(cannedToHtml(c.text, thread.values))}>
                      {c.name}
                    </Menu.Item>
                  ))}
                  {canned.data?.length === 0 ? <Menu.Label>{t('desk.noCanned')}</Menu.Label> : null}
                </Menu.Dropdown>
              </Menu>
            </RichTextEditor.ControlsGroup>
          </RichTextEditor.Toolbar>
          <RichTextEditor.Content mih={140} />
        </RichTextEditor>
        {files.length ? (
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
                  <ActionIcon size="xs" variant="transparent" color="gray" onClick={() => setFiles((list) => list.filter((_x, j) => j !== i))} aria-label={t('desk.removeFile', { name: f.name })}>
                    <IconTrash size={12} />
                  </ActionIcon>
                }
              >
                {f.name}
                {f.size ? ` · ${formatBytes(f.size, i18n.language)}` : ''}
              </Badge>
            ))}
          </Group>
        ) : null}
        {invalid ? (
          <Text size="xs" c="red" role="alert">
            {invalid}
          </Text>
        ) : null}
        <Group justify="space-between">
          <FileButton onChange={(picked) => void attach(picked)} multiple>
            {(props) => (
              <Button {...props} size="xs" variant="default" leftSection={<IconPaperclip size={14} />} loading={uploading} data-testid="attach-file">
                {t('desk.attach')}
              </Button>
            )}
          </FileButton>
          <Group gap="xs">
            <Text size="xs" c="dimmed">
              <Kbd size="xs">Ctrl</Kbd> + <Kbd size="xs">Enter</Kbd>
            </Text>
            <Button size="xs" leftSection={<IconSend size={14} />} loading={send.isPending} onClick={submit} data-testid="send">
              {t('desk.send')}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Paper>
  );
}
