import { Button, Group, Modal, Select, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { RichTextEditor } from '@mantine/tiptap';
import { useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { apiRequest } from '../../app/api.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { parseAddress } from './compose-values.ts';
import { useNewMail } from './workspace-api.ts';

const myCampaignsSchema = z.object({ items: z.array(z.object({ id: z.string(), key: z.string(), name: z.string() })) });

/** A new outbound mail: a new interaction in one of the agent's campaigns, in their hands at once. */
export function NewMailModal({ opened, onClose, onStarted }: { opened: boolean; onClose: () => void; onStarted: (interactionId: number) => void }) {
  const { t } = useTranslation();
  const campaigns = useQuery({ queryKey: ['me', 'campaigns'], queryFn: async () => (await apiRequest('/api/me/campaigns', myCampaignsSchema)).items, enabled: opened });
  const [campaignId, setCampaignId] = useState<string | null>(null);
  const [to, setTo] = useState<string[]>([]);
  const [subject, setSubject] = useState('');
  const [error, setError] = useState<string | null>(null);
  const editor = useEditor({ extensions: [StarterKit], content: '<p></p>' });
  const start = useNewMail();
  const chosen = campaignId ?? (campaigns.data?.length === 1 ? campaigns.data[0]!.id : null);

  const submit = () => {
    const parsed = to.map(parseAddress);
    const bad = to.find((_x, i) => parsed[i] === null);
    if (!chosen) return setError(t('desk.chooseCampaign'));
    if (bad !== undefined) return setError(t('desk.badAddress', { value: bad }));
    if (parsed.length === 0) return setError(t('desk.noRecipient'));
    if (!subject.trim()) return setError(t('desk.noSubjectGiven'));
    setError(null);
    start.mutate(
      { campaignId: chosen, to: parsed.filter((a) => a !== null), cc: [], subject, html: editor?.getHTML() ?? '', attachments: [] },
      {
        onSuccess: (r) => {
          notifySuccess(t('desk.sent'));
          setTo([]);
          setSubject('');
          editor?.commands.setContent('<p></p>');
          onClose();
          onStarted(r.interactionId);
        },
        onError: (e) => notifyError(t, e),
      },
    );
  };

  return (
    <Modal opened={opened} onClose={onClose} title={t('desk.newMail')} size="lg">
      <Stack gap="xs">
        <Select
          label={t('desk.campaign')}
          data={(campaigns.data ?? []).map((c) => ({ value: c.id, label: `${c.key} · ${c.name}` }))}
          value={chosen}
          onChange={setCampaignId}
          searchable
          data-testid="new-mail-campaign"
        />
        <TagsInput label={t('desk.to')} value={to} onChange={setTo} splitChars={[',', ';', ' ']} data-testid="new-mail-to" />
        <TextInput label={t('desk.subject')} value={subject} onChange={(e) => setSubject(e.currentTarget.value)} data-testid="new-mail-subject" />
        <RichTextEditor editor={editor}>
          <RichTextEditor.Toolbar>
            <RichTextEditor.ControlsGroup>
              <RichTextEditor.Bold />
              <RichTextEditor.Italic />
              <RichTextEditor.BulletList />
              <RichTextEditor.OrderedList />
            </RichTextEditor.ControlsGroup>
          </RichTextEditor.Toolbar>
          <RichTextEditor.Content mih={160} />
        </RichTextEditor>
        {error ? (
          <Text size="xs" c="red" role="alert">
            {error}
          </Text>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button onClick={submit} loading={start.isPending} data-testid="new-mail-send">
            {t('desk.send')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
