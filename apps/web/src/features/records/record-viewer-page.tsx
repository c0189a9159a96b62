import { Anchor, Badge, Button, Group, Paper, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { IconArrowLeft, IconDownload, IconPrinter } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import type { ThreadMessage } from '@postdesk/contracts';
import { formatBytes } from '../../components/format-bytes.ts';
import { QueryState } from '../../components/query-state.tsx';
import { formatDateTime } from '../../components/relative-time.tsx';
import { MessageFrame } from '../workspace/index.ts';
import { notifyError } from '../../components/notify.ts';
import { threadZipUrl, useAddSpyNote, useRecordThread } from './records-api.ts';
import './record-print.css';

const who = (name: string | undefined, address: string): string => (name ? `${name} <${address}>` : address);

/**
 * The email viewer: a whole thread as it happened — each message's headers
 * (as text), its body in the workspace's sandboxed frame, its files — and
 * the internal notes; printable (record-print.css) and downloadable.
 */
export function RecordViewerPage() {
  const { t, i18n } = useTranslation();
  const id = Number(useParams().id);
  const thread = useRecordThread(id);
  const it = thread.data?.interaction;
  return (
    <QueryState isPending={thread.isPending} error={thread.error} onRetry={() => void thread.refetch()}>
      {thread.data && it ? (
        <Stack gap="sm" data-testid="record-viewer">
          <Group justify="space-between" className="pd-no-print">
            <Button component={Link} to="/records" variant="subtle" size="xs" leftSection={<IconArrowLeft size={14} />}>
              {t('records.back')}
            </Button>
            <Group gap="xs">
              <Button size="xs" variant="default" component="a" href={threadZipUrl(id, true)} download leftSection={<IconDownload size={14} />}>
                {t('records.downloadWith')}
              </Button>
              <Button size="xs" variant="default" component="a" href={threadZipUrl(id, false)} download leftSection={<IconDownload size={14} />}>
                {t('records.downloadWithout')}
              </Button>
              <Button size="xs" leftSection={<IconPrinter size={14} />} onClick={() => window.print()} data-testid="record-print">
                {t('records.print')}
              </Button>
            </Group>
          </Group>
          <div>
            <Title order={3} fw={600} data-testid="record-subject">
              {it.subject || t('records.noSubject')}
            </Title>
            <Group gap="xs" mt={4}>
              <Text size="sm">
                {it.campaignKey}-{it.id} · {it.campaignName} · {who(it.customerName, it.customerAddress)}
              </Text>
              <Badge size="sm" variant="light" color={it.status === 'open' ? 'blue' : 'gray'}>
                {t(`records.status.${it.status === 'open' ? 'open' : 'closed'}`)}
              </Badge>
              {it.disposition ? <Badge size="sm" variant="outline">{it.disposition}</Badge> : null}
            </Group>
          </div>
          {thread.data.messages.map((m, n) => (
            <ViewerMessage key={m.id} m={m} n={n + 1} language={i18n.language} />
          ))}
          {thread.data.notes.length ? (
            <Paper withBorder p="sm" radius="sm" className="pd-print-notes" data-testid="record-notes">
              <Text fw={600} size="sm" mb={4}>
                {t('records.notes')}
              </Text>
              {thread.data.notes.map((note) => (
                <Text key={note.id} size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                  {formatDateTime(note.createdAt, i18n.language)} · {note.author ?? '—'}: {note.text}
                </Text>
              ))}
            </Paper>
          ) : null}
          <SpyNote id={id} />
        </Stack>
      ) : null}
    </QueryState>
  );
}

function ViewerMessage({ m, n, language }: { m: ThreadMessage; n: number; language: string }) {
  const { t } = useTranslation();
  const rows: Array<[string, string]> = [
    [t('records.headers.from'), m.direction === 'outbound' && m.sentBy ? `${m.sentBy} · ${who(m.fromName, m.fromAddress)}` : who(m.fromName, m.fromAddress)],
    [t('records.headers.to'), m.to.map((a) => who(a.name, a.address)).join(', ')],
    ...(m.cc.length ? [[t('records.headers.cc'), m.cc.map((a) => who(a.name, a.address)).join(', ')] as [string, string]] : []),
    [t('records.headers.date'), formatDateTime(m.date, language)],
    [t('records.headers.subject'), m.subject],
  ];
  return (
    <Paper withBorder p="sm" radius="sm" className="pd-print-message" data-testid={`record-message-${m.id}`}>
      <div className="pd-print-headers">
        <Group justify="space-between" mb={4}>
          <Text fw={600} size="sm">
            #{n} · {t(`desk.direction.${m.direction}`)}
          </Text>
          {m.outbox ? <Badge size="xs">{t(`desk.outbox.${m.outbox.state}`, { defaultValue: m.outbox.state })}</Badge> : null}
        </Group>
        <Table withRowBorders={false} verticalSpacing={0} fz="sm">
          <Table.Tbody>
            {rows.map(([k, v]) => (
              <Table.Tr key={k}>
                <Table.Td w={90} c="dimmed">
                  {k}
                </Table.Td>
                <Table.Td style={{ wordBreak: 'break-word' }}>{v}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
      <div className="pd-print-frame" style={{ marginTop: 8 }}>
        <MessageFrame messageId={m.id} html={m.hasHtml} snippet={m.snippet} />
      </div>
      {m.attachments.length ? (
        <Group gap="xs" mt="xs" data-testid={`record-files-${m.id}`}>
          {m.attachments.map((a) => (
            <Anchor key={a.partPath} size="sm" href={`/api/messages/${m.id}/attachments/${encodeURIComponent(a.partPath)}`} download>
              {a.filename} ({formatBytes(a.size, language)})
            </Anchor>
          ))}
        </Group>
      ) : null}
    </Paper>
  );
}

/** The supervisor's internal note: agents see it in the thread, customers never. */
function SpyNote({ id }: { id: number }) {
  const { t } = useTranslation();
  const add = useAddSpyNote(id);
  const [text, setText] = useState('');
  return (
    <Paper withBorder p="sm" radius="sm" className="pd-no-print">
      <Textarea
        label={t('records.spyNote.label')}
        description={t('records.spyNote.hint')}
        autosize
        minRows={2}
        maxLength={20_000}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        data-testid="spy-note-text"
      />
      <Group justify="flex-end" mt="xs">
        <Button
          size="xs"
          disabled={!text.trim()}
          loading={add.isPending}
          onClick={() => add.mutate(text, { onSuccess: () => setText(''), onError: (e) => notifyError(t, e) })}
          data-testid="spy-note-add"
        >
          {t('records.spyNote.add')}
        </Button>
      </Group>
    </Paper>
  );
}
