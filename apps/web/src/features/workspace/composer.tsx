import { ActionIcon, Group, Paper, SegmentedControl, Stack, TagsInput, TextInput, Tooltip } from '@mantine/core';
import { Link, RichTextEditor } from '@mantine/tiptap';
import { IconX } from '@tabler/icons-react';
import { useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AttachmentRef, ComposeMode, Thread, ThreadMessage } from '@postdesk/contracts';
import { answerSubject } from '@postdesk/mailkit/threading/subject';
import { useEditorLabels } from '../../components/editor-labels.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { InlineFormattingControls } from '../templates/rich-text-field.tsx';
import { useTemplates } from '../templates/templates-api.ts';
import { AttachButton, ComposeError, FileBadges, InsertMenus, SendButton, SendOnModEnter, useDraftSaver, type FileItem } from './compose-parts.tsx';
import { fillFields, formatAddress, parseAddress, parseAddressList, recipientsFor } from './compose-values.ts';
import { deleteDraft, newSendKey, saveDraft, useSend } from './workspace-api.ts';

/** A forward carries the original's files (not its inline images); the agent can remove them. */
const filesOf = (m: ThreadMessage): FileItem[] =>
  m.attachments.filter((a) => !a.inline).map((a) => ({ ref: { messageId: m.id, partPath: a.partPath }, name: a.filename, size: a.size }));

/** The name of a stored file a draft refers to; an upload's name is not in the thread. */
const fileName = (thread: Thread, ref: AttachmentRef): string | undefined =>
  'messageId' in ref ? thread.messages.find((m) => m.id === ref.messageId)?.attachments.find((a) => a.partPath === ref.partPath)?.filename : undefined;

/**
 * Writing an answer: reply, reply all, reply with the history quoted, or
 * forward. Recipients prefilled from the message answered, the campaign's
 * signature loaded, templates and canned answers inserted with the
 * interaction's values, files uploaded or carried over from the original,
 * and the draft saved as the agent types.
 */
export function Composer({ thread, initialMode, parentId, onDone }: { thread: Thread; initialMode: ComposeMode; parentId: number | undefined; onDone: () => void }) {
  const { t } = useTranslation();
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
  const [invalid, setInvalid] = useState<string | null>(null);
  const dirty = useRef(false);
  /** A setter that also marks the answer as changed, so the draft is saved. */
  const touched =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      dirty.current = true;
      set(value);
    };
  const send = useSend(it.id);
  const templates = useTemplates(it.campaignId);
  const sendRef = useRef<() => void>(() => undefined);

  const editorLabels = useEditorLabels();
  const editor = useEditor({
    extensions: [StarterKit.configure({ link: false }), Link.configure({ openOnClick: false }), SendOnModEnter(() => sendRef.current())],
    content: draft?.html ?? '<p></p>',
    onUpdate: () => {
      dirty.current = true;
      saver.schedule();
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

  const body = () => ({
    mode,
    to: to.map(parseAddress).filter((a) => a !== null),
    cc: cc.map(parseAddress).filter((a) => a !== null),
    subject: subject.trim() || undefined,
    html: editor?.getHTML() ?? '',
    attachments: files.map((f) => f.ref),
  });

  const submitting = useRef(false);
  // this answer's key, kept while the composer is open: Send again after a failure (a node that died
  // before it answered) returns the message already stored instead of sending a second one
  const sendKey = useRef(newSendKey());
  const saver = useDraftSaver(() => {
    if (!dirty.current || submitting.current) return undefined;
    const draftFiles = files.map((f) => ('uploadId' in f.ref ? { ...f.ref, name: f.name, size: f.size } : f.ref));
    return saveDraft(it.id, { ...body(), attachments: draftFiles });
  });
  useEffect(() => {
    if (dirty.current) saver.schedule();
  }, [to, cc, subject, files, mode]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async () => {
    if (submitting.current) return;
    const toList = parseAddressList(to);
    if ('bad' in toList) return setInvalid(t('desk.badAddress', { value: `${t('desk.to')}: ${toList.bad}` }));
    const ccList = parseAddressList(cc);
    if ('bad' in ccList) return setInvalid(t('desk.badAddress', { value: `${t('desk.cc')}: ${ccList.bad}` }));
    if (toList.ok.length === 0) return setInvalid(t('desk.noRecipient'));
    setInvalid(null);
    submitting.current = true;
    await saver.settle();
    send.mutate(
      { ...body(), to: toList.ok, cc: ccList.ok, parentId: parent?.id, sendKey: sendKey.current },
      {
        onSuccess: () => {
          notifySuccess(t('desk.sent'));
          onDone();
        },
        onError: (error) => notifyError(t, error),
        onSettled: () => {
          submitting.current = false;
        },
      },
    );
  };
  sendRef.current = () => void submit();

  const discard = async () => {
    await saver.settle();
    void deleteDraft(it.id).catch(() => undefined);
    onDone();
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
            <ActionIcon variant="subtle" color="gray" onClick={() => void discard()} aria-label={t('desk.discard')}>
              <IconX size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
        <TagsInput size="xs" label={t('desk.to')} value={to} onChange={touched(setTo)} splitChars={[',', ';', ' ']} data-testid="compose-to" clearable />
        <TagsInput size="xs" label={t('desk.cc')} value={cc} onChange={touched(setCc)} splitChars={[',', ';', ' ']} data-testid="compose-cc" />
        <TextInput
          size="xs"
          label={t('desk.subject')}
          placeholder={answerSubject(mode === 'forward' ? 'forward' : 'reply', parent?.subject ?? it.subject)}
          data-testid="compose-subject"
          value={subject}
          onChange={(e) => {
            setSubject(e.currentTarget.value);
            dirty.current = true;
          }}
        />
        <RichTextEditor editor={editor} labels={editorLabels} data-testid="compose-editor">
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
              <InsertMenus campaignId={it.campaignId} values={thread.values} onInsert={insert} />
            </RichTextEditor.ControlsGroup>
          </RichTextEditor.Toolbar>
          <RichTextEditor.Content mih={140} />
        </RichTextEditor>
        <FileBadges files={files} onRemove={(i) => touched(setFiles)(files.filter((_x, j) => j !== i))} />
        <ComposeError message={invalid} />
        <Group justify="space-between">
          <AttachButton onAdded={(file) => touched(setFiles)((list: FileItem[]) => [...list, file])} />
          <SendButton loading={send.isPending} onSend={() => void submit()} testId="send" />
        </Group>
      </Stack>
    </Paper>
  );
}
