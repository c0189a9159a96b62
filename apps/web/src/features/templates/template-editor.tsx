import { Alert, Badge, Button, Group, Modal, Paper, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconEye, IconTrash } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../app/api.ts';
import type { Campaign, Template } from '@postdesk/contracts';
import { confirmDelete } from '../../components/confirm.ts';
import { describeError } from '../../components/describe-error.ts';
import { splitFieldErrors } from '../../components/form-errors.ts';
import { submitOnModEnter } from '../../components/keyboard.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { RichTextField } from './rich-text-field.tsx';
import { extractVariables, useDeleteTemplate, usePreviewTemplate, useSaveTemplate } from './templates-api.ts';

const NO_CAMPAIGN = '__all__';

/** Name, scope (one campaign or all) and HTML body of a template, with a server-rendered preview. */
export function TemplateEditor({
  template,
  campaigns,
  onSaved,
  onDeleted,
}: {
  template: Template | null;
  campaigns: readonly Campaign[];
  onSaved: (template: Template) => void;
  onDeleted: () => void;
}) {
  const { t } = useTranslation();
  const save = useSaveTemplate();
  const remove = useDeleteTemplate();
  const [previewOpen, setPreviewOpen] = useState(false);
  const form = useForm({
    initialValues: { name: template?.name ?? '', campaignId: template?.campaignId ?? NO_CAMPAIGN, html: template?.html ?? '' },
    validate: {
      name: (value) => (value.trim() ? null : t('validation.required')),
      html: (value) => (value.replace(/<[^>]*>/g, '').trim() ? null : t('validation.required')),
    },
  });
  const variables = extractVariables(form.values.html);

  const submit = form.onSubmit((values) => {
    save.mutate(
      {
        id: template?.id ?? null,
        input: { name: values.name.trim(), campaignId: values.campaignId === NO_CAMPAIGN ? null : values.campaignId, html: values.html },
      },
      {
        onSuccess: (saved) => {
          notifySuccess(t('templates.saved', { name: saved.name }));
          form.resetDirty();
          onSaved(saved);
        },
        onError: (error) => {
          if (isApiError(error, 'validation_failed')) {
            const split = splitFieldErrors(error.details, (path) => ['name', 'campaignId', 'html'].includes(path));
            form.setErrors(split.fieldErrors);
            if (split.otherErrors.length === 0) return;
          }
          if (isApiError(error, 'conflict')) {
            form.setFieldError('name', error.message);
            return;
          }
          notifyError(t, error);
        },
      },
    );
  });

  return (
    <Paper withBorder radius="sm" p="md">
      <form onSubmit={submit} onKeyDown={submitOnModEnter} noValidate data-testid="template-form">
        <Stack gap="sm">
          <Group justify="space-between" wrap="nowrap">
            <Text fw={600}>{template ? template.name : t('templates.newTitle')}</Text>
            <Group gap="xs" wrap="nowrap">
              {template ? (
                <Button
                  variant="subtle"
                  color="red"
                  leftSection={<IconTrash size={15} />}
                  data-testid="template-delete"
                  onClick={() =>
                    confirmDelete(t, {
                      name: template.name,
                      onConfirm: () =>
                        remove.mutate(template.id, {
                          onSuccess: () => {
                            notifySuccess(t('templates.deleted', { name: template.name }));
                            onDeleted();
                          },
                          onError: (error) => notifyError(t, error),
                        }),
                    })
                  }
                >
                  {t('common.delete')}
                </Button>
              ) : null}
              <Button variant="default" leftSection={<IconEye size={15} />} onClick={() => setPreviewOpen(true)} data-testid="template-preview">
                {t('templates.preview')}
              </Button>
              <Button type="submit" loading={save.isPending} data-testid="template-save">
                {template ? t('common.save') : t('common.create')}
              </Button>
            </Group>
          </Group>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput label={t('templates.name')} required data-testid="template-name" {...form.getInputProps('name')} />
            <Select
              label={t('templates.campaign')}
              description={t('templates.campaignHint')}
              inputWrapperOrder={['label', 'input', 'description', 'error']}
              data={[
                { value: NO_CAMPAIGN, label: t('templates.allCampaigns') },
                ...campaigns.map((campaign) => ({ value: campaign.id, label: `${campaign.name} (${campaign.key})` })),
              ]}
              searchable
              data-testid="template-campaign"
              {...form.getInputProps('campaignId')}
              onChange={(value) => form.setFieldValue('campaignId', value ?? NO_CAMPAIGN)}
            />
          </SimpleGrid>
          <RichTextField
            label={t('templates.body')}
            initialHtml={form.values.html}
            onChange={(html) => form.setFieldValue('html', html)}
            error={typeof form.errors.html === 'string' ? form.errors.html : null}
            testId="template-body"
          />
          <Group gap={6} mih={22}>
            <Text size="xs" c="dimmed">
              {t('templates.variablesUsed')}
            </Text>
            {variables.length === 0 ? (
              <Text size="xs" c="dimmed" fs="italic">
                {t('templates.noVariables')}
              </Text>
            ) : (
              variables.map((name) => (
                <Badge key={name} size="sm" variant="outline" ff="monospace">
                  {`\${${name}}`}
                </Badge>
              ))
            )}
          </Group>
        </Stack>
      </form>
      <PreviewModal opened={previewOpen} onClose={() => setPreviewOpen(false)} html={form.values.html} variables={variables} />
    </Paper>
  );
}

function PreviewModal({
  opened,
  onClose,
  html,
  variables,
}: {
  opened: boolean;
  onClose: () => void;
  html: string;
  variables: readonly string[];
}) {
  const { t } = useTranslation();
  const preview = usePreviewTemplate();
  const [values, setValues] = useState<Record<string, string>>({});

  const render = () => preview.mutate({ html, values });
  // Render once on open so the admin sees the result straight away; values refine it.
  const mutate = preview.mutate;
  useEffect(() => {
    if (opened) mutate({ html, values: {} });
    // Deliberately only on opening (not on every edit of html): later renders are explicit.
  }, [opened, mutate]);

  return (
    <Modal
      opened={opened}
      onClose={() => {
        preview.reset();
        onClose();
      }}
      title={t('templates.previewTitle')}
      size="xl"
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          render();
        }}
      >
        <Stack gap="sm">
          {variables.length > 0 ? (
            <>
              <Text size="sm" c="dimmed">
                {t('templates.previewValues')}
              </Text>
              <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
                {variables.map((name, index) => (
                  <TextInput
                    key={name}
                    size="xs"
                    label={`\${${name}}`}
                    value={values[name] ?? ''}
                    data-autofocus={index === 0 ? true : undefined}
                    onChange={(event) => {
                      const value = event.currentTarget.value;
                      setValues((current) => ({ ...current, [name]: value }));
                    }}
                    styles={{ label: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                    data-testid={`preview-value-${name}`}
                  />
                ))}
              </SimpleGrid>
            </>
          ) : null}
          <Group justify="flex-end">
            <Button type="submit" loading={preview.isPending} leftSection={<IconEye size={15} />} data-testid="preview-render">
              {t('templates.render')}
            </Button>
          </Group>
          {preview.error ? (
            <Alert color="red" variant="light" title={describeError(t, preview.error).title}>
              {describeError(t, preview.error).message}
            </Alert>
          ) : null}
          {preview.data?.missing && preview.data.missing.length > 0 ? (
            <Text size="xs" c="orange" data-testid="preview-missing">
              {t('templates.previewMissing', { names: preview.data.missing.map((name) => `\${${name}}`).join(', ') })}
            </Text>
          ) : null}
          {preview.data ? (
            <iframe
              title={t('templates.previewTitle')}
              className="pd-preview-frame"
              sandbox=""
              srcDoc={preview.data.html}
              data-testid="preview-frame"
            />
          ) : (
            <Text size="sm" c="dimmed" ta="center" py="md">
              {t('templates.previewEmpty')}
            </Text>
          )}
        </Stack>
      </form>
    </Modal>
  );
}
