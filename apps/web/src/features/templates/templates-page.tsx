import { Badge, Button, Grid, Group, Paper, ScrollArea, Stack, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconPlus, IconTemplate, IconWorld } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import type { Campaign, Template } from '@postdesk/contracts';
import { FilterInput, matchesFilter } from '../../components/filter-input.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { RelativeTime } from '../../components/relative-time.tsx';
import { useCampaigns } from '../campaigns/campaigns-api.ts';
import { TemplateEditor } from './template-editor.tsx';
import { useTemplates } from './templates-api.ts';

/** Templates on the left, the selected one (or a new one) in the editor on the right. */
export function TemplatesPage() {
  const { t } = useTranslation();
  const templates = useTemplates();
  const campaigns = useCampaigns();
  const [params, setParams] = useSearchParams();
  const [filter, setFilter] = useState('');
  const selectedId = params.get('id');
  const select = (id: string | null) => setParams(id ? { id } : {}, { replace: true });

  const list = (templates.data ?? []).filter((template) => matchesFilter(filter, template.name));
  const selected = (templates.data ?? []).find((template) => template.id === selectedId) ?? null;
  const campaignList = campaigns.data ?? [];

  return (
    <>
      <PageHeader
        title={t('templates.title')}
        description={t('templates.description')}
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => select('new')} data-testid="template-create">
            {t('templates.create')}
          </Button>
        }
      />
      <QueryState isPending={templates.isPending} error={templates.error} onRetry={() => void templates.refetch()}>
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 4, xl: 3 }}>
            <Paper withBorder radius="sm">
              <Stack gap={0}>
                <div style={{ padding: 'var(--mantine-spacing-xs)', borderBottom: '1px solid var(--mantine-color-default-border)' }}>
                  <FilterInput value={filter} onChange={setFilter} placeholder={t('templates.filter')} w={undefined} />
                </div>
                <ScrollArea.Autosize mah="calc(100vh - 220px)" type="auto">
                  <Stack gap={0} p={4} data-testid="templates-list">
                    {list.length === 0 ? (
                      <Text size="sm" c="dimmed" ta="center" py="lg">
                        {filter ? t('common.noMatches') : t('templates.empty')}
                      </Text>
                    ) : (
                      list.map((template) => (
                        <TemplateListItem
                          key={template.id}
                          template={template}
                          campaigns={campaignList}
                          active={template.id === selectedId}
                          onClick={() => select(template.id)}
                        />
                      ))
                    )}
                  </Stack>
                </ScrollArea.Autosize>
              </Stack>
            </Paper>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 8, xl: 9 }}>
            {selectedId === 'new' ? (
              <TemplateEditor key="new" template={null} campaigns={campaignList} onSaved={(saved) => select(saved.id)} onDeleted={() => select(null)} />
            ) : selected ? (
              <TemplateEditor key={selected.id} template={selected} campaigns={campaignList} onSaved={(saved) => select(saved.id)} onDeleted={() => select(null)} />
            ) : (
              <Paper withBorder radius="sm" p="xl">
                <Stack align="center" gap="xs" py="xl">
                  <IconTemplate size={36} stroke={1.2} color="var(--mantine-color-dimmed)" />
                  <Text c="dimmed" size="sm">
                    {t('templates.pick')}
                  </Text>
                  <Button variant="light" leftSection={<IconPlus size={16} />} onClick={() => select('new')}>
                    {t('templates.create')}
                  </Button>
                </Stack>
              </Paper>
            )}
          </Grid.Col>
        </Grid>
      </QueryState>
    </>
  );
}

function TemplateListItem({
  template,
  campaigns,
  active,
  onClick,
}: {
  template: Template;
  campaigns: readonly Campaign[];
  active: boolean;
  onClick: () => void;
}) {
  const { t } = useTranslation();
  const campaign = campaigns.find((candidate) => candidate.id === template.campaignId);
  return (
    <UnstyledButton
      onClick={onClick}
      className="pd-list-row"
      data-selected={active}
      data-testid={`template-item-${template.name}`}
      aria-current={active ? 'true' : undefined}
      py={8}
    >
      <div style={{ flex: 1, minWidth: 0 }}>
        <Text size="sm" fw={500} lineClamp={1}>
          {template.name}
        </Text>
        <Group gap={6} mt={2} wrap="nowrap">
          {template.campaignId === null ? (
            <Badge size="xs" variant="light" color="gray" leftSection={<IconWorld size={10} />}>
              {t('templates.allCampaigns')}
            </Badge>
          ) : (
            <Tooltip label={campaign?.name ?? ''} disabled={!campaign}>
              <Badge size="xs" variant="light" ff="monospace">
                {campaign?.key ?? '?'}
              </Badge>
            </Tooltip>
          )}
          <Text size="xs" c="dimmed" lineClamp={1}>
            <RelativeTime iso={template.updatedAt} size="xs" />
          </Text>
        </Group>
      </div>
    </UnstyledButton>
  );
}
