import { ActionIcon, Alert, Button, Code, Group, Modal, Paper, PasswordInput, Select, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { oauthProviderKindSchema, type OAuthProvider, type OAuthProviderKind } from '@postdesk/contracts';
import { isApiError } from '../../app/api.ts';
import { confirmDelete } from '../../components/confirm.ts';
import { EmptyRow } from '../../components/empty-row.tsx';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { useDeleteProvider, useOAuthProviders, useSaveProvider } from './oauth-api.ts';

interface Draft {
  id: string | null;
  kind: OAuthProviderKind;
  name: string;
  issuer: string;
  tenant: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
}

const blank = (kind: OAuthProviderKind = 'microsoft'): Draft => ({ id: null, kind, name: '', issuer: '', tenant: '', clientId: '', clientSecret: '', scopes: '' });

/** OAuth2 providers (Google, Microsoft 365, any OpenID Connect provider): the app registrations mailboxes sign in through; secrets are write-only. */
export function OAuthProvidersPage() {
  const { t } = useTranslation();
  const providers = useOAuthProviders();
  const save = useSaveProvider();
  const remove = useDeleteProvider();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const data = providers.data;

  const open = (p: OAuthProvider | null) => {
    setErrors({});
    setDraft(p ? { id: p.id, kind: p.kind, name: p.name, issuer: p.kind === 'oidc' ? p.issuer : '', tenant: p.tenant ?? '', clientId: p.clientId, clientSecret: '', scopes: p.scopes } : blank());
  };
  const submit = () => {
    if (!draft) return;
    const input = {
      kind: draft.kind,
      name: draft.name,
      issuer: draft.issuer,
      tenant: draft.tenant,
      clientId: draft.clientId,
      scopes: draft.scopes,
      ...(draft.clientSecret ? { clientSecret: draft.clientSecret } : {}),
    };
    save.mutate(
      { id: draft.id, input },
      {
        onSuccess: (p) => {
          setDraft(null);
          notifySuccess(t('oauth.saved', { name: p.name }));
        },
        onError: (error) => {
          if (isApiError(error, 'validation_failed') || isApiError(error, 'conflict')) {
            setErrors(Object.fromEntries(error.details.map((d) => [d.path, d.message])));
            return;
          }
          notifyError(t, error);
        },
      },
    );
  };

  return (
    <>
      <PageHeader
        title={t('oauth.title')}
        description={t('oauth.description')}
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => open(null)} data-testid="oauth-add-provider">
            {t('oauth.add')}
          </Button>
        }
      />
      <QueryState isPending={providers.isPending} error={providers.error} onRetry={() => void providers.refetch()}>
        <Stack gap="md">
          {data?.redirectUri ? (
            <Alert variant="light" title={t('oauth.redirectUri')}>
              <Code data-testid="oauth-redirect-uri">{data.redirectUri}</Code>
            </Alert>
          ) : (
            <Alert color="orange" variant="light" title={t('oauth.noPublicUrl')}>
              {t('oauth.noPublicUrlHint')}
            </Alert>
          )}
          <Paper withBorder>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('oauth.fields.name')}</Table.Th>
                  <Table.Th>{t('oauth.fields.kind')}</Table.Th>
                  <Table.Th>{t('oauth.fields.clientId')}</Table.Th>
                  <Table.Th>{t('oauth.campaigns')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(data?.items ?? []).length === 0 ? <EmptyRow colSpan={5} text={t('oauth.empty')} /> : null}
                {(data?.items ?? []).map((p) => (
                  <Table.Tr key={p.id} data-testid={`oauth-provider-${p.name}`}>
                    <Table.Td>{p.name}</Table.Td>
                    <Table.Td>{t(`oauth.kinds.${p.kind}`)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {p.clientId}
                      </Text>
                    </Table.Td>
                    <Table.Td>{p.accounts}</Table.Td>
                    <Table.Td>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Tooltip label={t('common.edit')}>
                          <ActionIcon variant="subtle" onClick={() => open(p)} aria-label={t('common.edit')}>
                            <IconPencil size={16} />
                          </ActionIcon>
                        </Tooltip>
                        <Tooltip label={t('common.delete')}>
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            aria-label={t('common.delete')}
                            onClick={() => confirmDelete(t, { name: p.name, onConfirm: () => remove.mutate(p.id, { onError: (e) => notifyError(t, e) }) })}
                          >
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Tooltip>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Paper>
        </Stack>
      </QueryState>
      <Modal opened={draft !== null} onClose={() => setDraft(null)} title={draft?.id ? t('oauth.edit') : t('oauth.add')} size="lg">
        {draft ? (
          <Stack gap="sm">
            <Select
              label={t('oauth.fields.kind')}
              data={oauthProviderKindSchema.options.map((k) => ({ value: k, label: t(`oauth.kinds.${k}`) }))}
              value={draft.kind}
              onChange={(v) => {
                const kind = oauthProviderKindSchema.safeParse(v);
                if (kind.success) setDraft({ ...draft, kind: kind.data });
              }}
              allowDeselect={false}
              data-testid="oauth-kind"
            />
            <TextInput label={t('oauth.fields.name')} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} error={errors.name} data-testid="oauth-name" />
            {draft.kind === 'oidc' ? (
              <TextInput
                label={t('oauth.fields.issuer')}
                description={t('oauth.issuerHint')}
                value={draft.issuer}
                onChange={(e) => setDraft({ ...draft, issuer: e.currentTarget.value })}
                error={errors.issuer}
                data-testid="oauth-issuer"
              />
            ) : null}
            {draft.kind === 'microsoft' ? (
              <TextInput
                label={t('oauth.fields.tenant')}
                description={t('oauth.tenantHint')}
                placeholder="organizations"
                value={draft.tenant}
                onChange={(e) => setDraft({ ...draft, tenant: e.currentTarget.value })}
                error={errors.tenant}
              />
            ) : null}
            <TextInput label={t('oauth.fields.clientId')} value={draft.clientId} onChange={(e) => setDraft({ ...draft, clientId: e.currentTarget.value })} error={errors.clientId} data-testid="oauth-client-id" />
            <PasswordInput
              label={t('oauth.fields.clientSecret')}
              placeholder={draft.id ? t('campaign.mail.passwordUnchanged') : undefined}
              value={draft.clientSecret}
              onChange={(e) => setDraft({ ...draft, clientSecret: e.currentTarget.value })}
              error={errors.clientSecret}
              autoComplete="new-password"
              data-testid="oauth-client-secret"
            />
            <TextInput
              label={t('oauth.fields.scopes')}
              placeholder={data?.defaultScopes[draft.kind]}
              value={draft.scopes}
              onChange={(e) => setDraft({ ...draft, scopes: e.currentTarget.value })}
              error={errors.scopes}
              data-testid="oauth-scopes"
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDraft(null)}>
                {t('common.cancel')}
              </Button>
              <Button onClick={submit} loading={save.isPending} data-testid="oauth-save">
                {t('common.save')}
              </Button>
            </Group>
          </Stack>
        ) : null}
      </Modal>
    </>
  );
}
