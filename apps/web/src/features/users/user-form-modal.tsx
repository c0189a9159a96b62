import { Button, Group, Modal, MultiSelect, PasswordInput, Select, SimpleGrid, Stack, Switch, TextInput } from '@mantine/core';
import { useEffect } from 'react';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../app/api.ts';
import { type Language, LANGUAGES, type Role, roleSchema, type User } from '@postdesk/contracts';
import { splitFieldErrors } from '../../components/form-errors.ts';
import { submitOnModEnter } from '../../components/keyboard.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { useCampaigns } from '../campaigns/campaigns-api.ts';
import { useCreateUser, useSetSupervisedCampaigns, useSupervisedCampaigns, useUpdateUser } from './users-api.ts';

interface UserFormValues {
  username: string;
  displayName: string;
  email: string;
  role: Role;
  language: Language;
  enabled: boolean;
  password: string;
  /** A supervisor's campaigns (their scope). */
  campaignIds: string[];
}

/** Mirrors the server's rules so mistakes show before the round trip. */
const USERNAME = /^[a-zA-Z0-9._@-]{1,64}$/;
const PASSWORD_MIN = 12;

const FIELDS = new Set(['username', 'displayName', 'email', 'role', 'language', 'enabled', 'password']);

/** Create a user (password required) or edit one (password only when it should change). */
export function UserFormModal({ user, opened, onClose }: { user: User | null; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={user ? t('users.editTitle', { username: user.username }) : t('users.createTitle')}
      size="lg"
    >
      {opened ? <UserForm key={user?.id ?? 'new'} user={user} onDone={onClose} /> : null}
    </Modal>
  );
}

function UserForm({ user, onDone }: { user: User | null; onDone: () => void }) {
  const { t } = useTranslation();
  const create = useCreateUser();
  const update = useUpdateUser();
  const setSupervised = useSetSupervisedCampaigns();
  const campaigns = useCampaigns();
  const supervised = useSupervisedCampaigns(user?.role === 'supervisor' ? user.id : null);
  const form = useForm<UserFormValues>({
    initialValues: {
      username: user?.username ?? '',
      displayName: user?.displayName ?? '',
      email: user?.email ?? '',
      role: user?.role ?? 'agent',
      language: user?.language ?? 'en',
      enabled: user?.enabled ?? true,
      password: '',
      campaignIds: [],
    },
    validate: {
      displayName: (value) => (value.trim() ? null : t('validation.required')),
      email: (value) => (!value.trim() || /^[^\s@]+@[^\s@]+$/.test(value.trim()) ? null : t('validation.email')),
      username: (value) =>
        user ? null : !value.trim() ? t('validation.required') : USERNAME.test(value.trim()) ? null : t('users.usernameRule'),
      password: (value) =>
        !user && !value
          ? t('validation.required')
          : value && value.length < PASSWORD_MIN
            ? t('validation.minLength', { min: PASSWORD_MIN })
            : null,
    },
  });

  // the supervisor's campaigns arrive after the form opens
  const loaded = supervised.data;
  useEffect(() => {
    if (loaded) form.setFieldValue('campaignIds', loaded);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded]);

  // After the user is saved: a supervisor's campaigns are a list of their own.
  const saveScope = (id: string, values: UserFormValues, done: () => void) => {
    if (values.role !== 'supervisor') return done();
    setSupervised.mutate({ id, campaignIds: values.campaignIds }, { onSuccess: done, onError: (e) => notifyError(t, e) });
  };

  const onError = (error: unknown) => {
    if (isApiError(error, 'validation_failed')) {
      const { fieldErrors, otherErrors } = splitFieldErrors(error.details, (path) => FIELDS.has(path));
      form.setErrors(fieldErrors);
      if (otherErrors.length === 0) return;
    }
    if (isApiError(error, 'conflict')) {
      form.setFieldError('username', error.message);
      return;
    }
    notifyError(t, error);
  };

  const submit = form.onSubmit((values) => {
    const email = values.email.trim();
    if (user) {
      update.mutate(
        {
          id: user.id,
          input: {
            displayName: values.displayName.trim(),
            email: email || null,
            role: values.role,
            language: values.language,
            enabled: values.enabled,
            ...(values.password ? { password: values.password } : {}),
          },
        },
        {
          onSuccess: (saved) =>
            saveScope(saved.id, values, () => {
              notifySuccess(t('users.saved'));
              onDone();
            }),
          onError,
        },
      );
    } else {
      create.mutate(
        {
          username: values.username.trim(),
          displayName: values.displayName.trim(),
          ...(email ? { email } : {}),
          role: values.role,
          language: values.language,
          password: values.password,
        },
        {
          onSuccess: (created) =>
            saveScope(created.id, values, () => {
              notifySuccess(t('users.created'));
              onDone();
            }),
          onError,
        },
      );
    }
  });

  return (
    <form onSubmit={submit} onKeyDown={submitOnModEnter} noValidate data-testid="user-form">
      <Stack gap="sm">
        <SimpleGrid cols={2} spacing="sm" verticalSpacing="sm">
          <TextInput
            label={t('users.username')}
            required={!user}
            disabled={Boolean(user)}
            autoComplete="off"
            data-autofocus={user ? undefined : true}
            data-testid="user-username"
            {...form.getInputProps('username')}
          />
          <TextInput
            label={t('users.displayName')}
            required
            data-autofocus={user ? true : undefined}
            data-testid="user-display-name"
            {...form.getInputProps('displayName')}
          />
          <TextInput
            label={t('users.email')}
            type="email"
            autoComplete="off"
            data-testid="user-email"
            {...form.getInputProps('email')}
          />
          <Select
            label={t('users.role')}
            data={roleSchema.options.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
            data-testid="user-role"
            {...form.getInputProps('role')}
          />
          <Select
            label={t('users.language')}
            data={LANGUAGES.map((language) => ({ value: language, label: t(`languages.${language}`) }))}
            data-testid="user-language"
            {...form.getInputProps('language')}
          />
          <PasswordInput
            label={user ? t('users.newPassword') : t('users.password')}
            description={user ? t('users.newPasswordHint', { min: PASSWORD_MIN }) : t('users.passwordHint', { min: PASSWORD_MIN })}
            required={!user}
            autoComplete="new-password"
            data-testid="user-password"
            {...form.getInputProps('password')}
          />
        </SimpleGrid>
        {form.values.role === 'supervisor' ? (
          <MultiSelect
            label={t('users.supervisedCampaigns')}
            description={t('users.supervisedCampaignsHint')}
            data={(campaigns.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            searchable
            data-testid="user-campaigns"
            {...form.getInputProps('campaignIds')}
          />
        ) : null}
        {user ? (
          <Switch
            label={t('users.enabledLabel')}
            description={t('users.enabledHint')}
            data-testid="user-enabled"
            {...form.getInputProps('enabled', { type: 'checkbox' })}
          />
        ) : null}
        <Group justify="flex-end" gap="xs" mt="sm">
          <Button variant="default" onClick={onDone}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={create.isPending || update.isPending || setSupervised.isPending} data-testid="user-save">
            {user ? t('common.save') : t('common.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
