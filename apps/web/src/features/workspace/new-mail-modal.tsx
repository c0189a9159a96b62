import { Button, Center, Group, Loader, Modal, Select, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { Link, RichTextEditor } from '@mantine/tiptap';
import { IconTrash } from '@tabler/icons-react';
import { useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { templateValues } from '@postdesk/mailkit/template/fields';
import type { MyCampaign, NewMailDraft } from '@postdesk/contracts';
import { useEditorLabels } from '../../components/editor-labels.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { useCurrentUser } from '../auth/session.ts';
import { InlineFormattingControls } from '../templates/rich-text-field.tsx';
import { useTemplates } from '../templates/templates-api.ts';
import { AttachButton, ComposeError, FileBadges, InsertMenus, SendButton, SendOnModEnter, useDraftSaver, type FileItem } from './compose-parts.tsx';
import { fillFields, formatAddress, parseAddress, parseAddressList } from './compose-values.ts';
import { deleteNewMailDraft, newMailDraftKey, newSendKey, saveNewMailDraft, useMyCampaigns, useNewMail, useNewMailDraft } from './workspace-api.ts';

/**
 * A new outbound mail: a new interaction in one of the agent's campaigns, in
 * their hands at once. Written like an answer (cc, files, templates, canned
 * answers, the campaign's signature, Ctrl+Enter) and kept as the agent's
 * draft while they type: closing the window keeps it, Discard drops it.
 */
export function NewMailModal({ opened, onClose, onStarted }: { opened: boolean; onClose: () => void; onStarted: (interactionId: number) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const campaigns = useMyCampaigns(opened);
  const draft = useNewMailDraft(opened);
  const ready = campaigns.data !== undefined && draft.data !== undefined;
  // forgotten on close: the next opening reads what this one saved
  useEffect(() => {
    if (!opened) queryClient.removeQueries({ queryKey: newMailDraftKey });
  }, [opened, queryClient]);
  return (
    <Modal opened={opened} onClose={onClose} title={t('desk.newMail')} size="xl">
      {ready ? (
        <NewMailForm campaigns={campaigns.data} draft={draft.data} onClose={onClose} onStarted={onStarted} />
      ) : (
        <Center h={240}>
          <Loader size="sm" />
        </Center>
      )}
    </Modal>
  );
}

// Fields only known once the interaction exists (its number, its ticket) are
// left as written here and filled by the server when the mail is sent.
const LATER = new Set(['ticket', 'interactionId']);
const LATER_FIELD = /\$\{\s*(ticket|interactionId)\s*\}/;

function NewMailForm({
  campaigns,
  draft,
  onClose,
  onStarted,
}: {
  campaigns: MyCampaign[];
  draft: NewMailDraft | null;
  onClose: () => void;
  onStarted: (interactionId: number) => void;
}) {
  const { t } = useTranslation();
  const me = useCurrentUser();
  const [campaignId, setCampaignId] = useState<string | null>(draft?.campaignId ?? (campaigns.length === 1 ? campaigns[0]!.id : null));
  const [to, setTo] = useState<string[]>(draft?.to.map(formatAddress) ?? []);
  const [cc, setCc] = useState<string[]>(draft?.cc.map(formatAddress) ?? []);
  const [subject, setSubject] = useState(draft?.subject ?? '');
  const [files, setFiles] = useState<FileItem[]>(draft?.attachments.map((a) => ({ ref: { uploadId: a.uploadId }, name: a.name ?? t('desk.file'), size: a.size ?? 0 })) ?? []);
  const [error, setError] = useState<string | null>(null);
  const [laterFields, setLaterFields] = useState(false);
  /** Changed since opened: the draft needs saving. */
  const dirty = useRef(false);
  /** The agent has typed in the body: the signature is theirs now. */
  const written = useRef(draft !== null);
  const submitting = useRef(false);
  // kept while the dialog is open: Send again after a failure cannot start a second conversation
  const sendKey = useRef(newSendKey());
  const start = useNewMail();
  const campaign = campaigns.find((c) => c.id === campaignId);
  const templates = useTemplates(campaignId);
  const sendRef = useRef<() => void>(() => undefined);

  const touched =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      dirty.current = true;
      set(value);
    };

  const editorLabels = useEditorLabels();
  const editor = useEditor({
    extensions: [StarterKit.configure({ link: false }), Link.configure({ openOnClick: false }), SendOnModEnter(() => sendRef.current())],
    content: draft?.html ?? '<p></p>',
    onCreate: ({ editor: e }) => setLaterFields(LATER_FIELD.test(e.getHTML())),
    onUpdate: ({ editor: e }) => {
      setLaterFields(LATER_FIELD.test(e.getHTML()));
      written.current = true;
      dirty.current = true;
      saver.schedule();
    },
  });

  const firstTo = to.length ? parseAddress(to[0]!) : null;
  const values = useMemo(() => {
    const all = templateValues({
      contactName: firstTo?.name ?? '',
      contactEmail: firstTo?.address ?? '',
      subject,
      ticket: '',
      campaignName: campaign?.name ?? '',
      interactionId: 0,
      agentName: me.displayName,
      now: new Date(),
      timeZone: campaign?.timezone ?? 'UTC',
    });
    return Object.fromEntries(Object.entries(all).filter(([name]) => !LATER.has(name)));
  }, [firstTo?.name, firstTo?.address, subject, campaign?.name, campaign?.timezone, me.displayName]);

  // The chosen campaign's signature, swapped when another campaign is chosen,
  // as long as the agent has written nothing (a saved draft keeps its own).
  const signedFor = useRef<string | null>(null);
  useEffect(() => {
    if (!editor || !campaign || !templates.data || written.current || signedFor.current === campaign.id) return;
    signedFor.current = campaign.id;
    const signature = templates.data.find((x) => x.id === campaign.signatureTemplateId);
    // the cursor waits above the signature, without taking the focus from the form's first field
    editor
      .chain()
      .setContent(signature ? `<p></p><p></p>${fillFields(signature.html, values, true)}` : '<p></p>', { emitUpdate: false })
      .setTextSelection(1)
      .run();
  }, [editor, campaign, templates.data, values]);

  const saver = useDraftSaver(() => {
    if (!dirty.current || submitting.current) return undefined;
    return saveNewMailDraft({
      campaignId,
      to: to.map(parseAddress).filter((a) => a !== null),
      cc: cc.map(parseAddress).filter((a) => a !== null),
      subject,
      html: editor?.getHTML() ?? '',
      attachments: files.flatMap((f) => ('uploadId' in f.ref ? [{ uploadId: f.ref.uploadId, name: f.name, size: f.size }] : [])),
    });
  });
  useEffect(() => {
    if (dirty.current) saver.schedule();
  }, [campaignId, to, cc, subject, files]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async () => {
    if (submitting.current) return;
    if (!campaignId) return setError(t('desk.chooseCampaign'));
    const toList = parseAddressList(to);
    if ('bad' in toList) return setError(t('desk.badAddress', { value: `${t('desk.to')}: ${toList.bad}` }));
    const ccList = parseAddressList(cc);
    if ('bad' in ccList) return setError(t('desk.badAddress', { value: `${t('desk.cc')}: ${ccList.bad}` }));
    if (toList.ok.length === 0) return setError(t('desk.noRecipient'));
    if (!subject.trim()) return setError(t('desk.noSubjectGiven'));
    setError(null);
    submitting.current = true;
    await saver.settle();
    start.mutate(
      { campaignId, to: toList.ok, cc: ccList.ok, subject, html: editor?.getHTML() ?? '', attachments: files.map((f) => f.ref), sendKey: sendKey.current },
      {
        onSuccess: (r) => {
          // the server dropped the draft in the same transaction
          notifySuccess(t('desk.sent'));
          onClose();
          onStarted(r.interactionId);
        },
        onError: (e) => notifyError(t, e),
        onSettled: () => {
          submitting.current = false;
        },
      },
    );
  };
  sendRef.current = () => void submit();

  const discard = async () => {
    submitting.current = true;
    await saver.settle();
    await deleteNewMailDraft().catch((e: unknown) => notifyError(t, e));
    onClose();
  };

  return (
    <Stack gap="xs">
      <Select
        size="xs"
        label={t('desk.campaign')}
        placeholder={t('desk.chooseCampaign')}
        data={campaigns.map((c) => ({ value: c.id, label: `${c.key} · ${c.name}` }))}
        value={campaignId}
        onChange={touched(setCampaignId)}
        searchable
        data-testid="new-mail-campaign"
      />
      <TagsInput size="xs" label={t('desk.to')} value={to} onChange={touched(setTo)} splitChars={[',', ';', ' ']} data-testid="new-mail-to" clearable />
      <TagsInput size="xs" label={t('desk.cc')} value={cc} onChange={touched(setCc)} splitChars={[',', ';', ' ']} data-testid="new-mail-cc" />
      <TextInput size="xs" label={t('desk.subject')} value={subject} onChange={(e) => touched(setSubject)(e.currentTarget.value)} data-testid="new-mail-subject" />
      <RichTextEditor editor={editor} labels={editorLabels} data-testid="new-mail-editor">
        <RichTextEditor.Toolbar>
          <InlineFormattingControls />
          <RichTextEditor.ControlsGroup>
            <RichTextEditor.BulletList />
            <RichTextEditor.OrderedList />
            <RichTextEditor.Link />
            <RichTextEditor.Unlink />
          </RichTextEditor.ControlsGroup>
          {campaignId ? (
            <RichTextEditor.ControlsGroup>
              <InsertMenus campaignId={campaignId} values={values} onInsert={(html) => editor?.chain().focus().insertContent(html).run()} />
            </RichTextEditor.ControlsGroup>
          ) : null}
        </RichTextEditor.Toolbar>
        <RichTextEditor.Content mih={180} />
      </RichTextEditor>
      {laterFields ? (
        <Text size="xs" c="dimmed" data-testid="new-mail-later-fields">
          {t('desk.filledWhenSent')}
        </Text>
      ) : null}
      <FileBadges files={files} onRemove={(i) => touched(setFiles)(files.filter((_x, j) => j !== i))} />
      <ComposeError message={error} />
      <Group justify="space-between">
        <Group gap="xs">
          <AttachButton onAdded={(file) => touched(setFiles)((list: FileItem[]) => [...list, file])} />
          <Button size="xs" variant="subtle" color="gray" leftSection={<IconTrash size={14} />} onClick={() => void discard()} data-testid="new-mail-discard">
            {t('desk.discard')}
          </Button>
        </Group>
        <SendButton loading={start.isPending} onSend={() => void submit()} testId="new-mail-send" />
      </Group>
    </Stack>
  );
}
