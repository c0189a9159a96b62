import { Button, Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../app/api.ts';
import { splitFieldErrors } from '../../components/form-errors.ts';
import { submitOnModEnter } from '../../components/keyboard.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { useCurrentUser, useLogin, useUpdateMe } from './session.ts';

/** The server's rule for new passwords, mirrored so mistakes show before the round trip. */
const PASSWORD_MIN = 12;

interface Values {
  current: string;
  next: string;
  repeat: string;
}

/**
 * Any signed-in user changes their own password: the current one proves it is
 * them (the server checks it and limits guesses), the new one is typed twice.
 * The server ends every session of the user on a password change (a stolen
 * session dies with the old password); this one signs in again at once with
 * the new password, so the user carries on where they were.
 */
export function ChangePasswordModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={t('account.changePassword')} size="sm">
      {opened ? <ChangePasswordForm onDone={onClose} /> : null}
    </Modal>
  );
}

function ChangePasswordForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const me = useCurrentUser();
  const update = useUpdateMe();
  const login = useLogin();
  const form = useForm<Values>({
    initialValues: { current: '', next: '', repeat: '' },
    validate: {
      current: (v) => (v ? null : t('validation.required')),
      next: (v, values) =>
        !v ? t('validation.required') : v.length < PASSWORD_MIN ? t('validation.minLength', { min: PASSWORD_MIN }) : v === values.current ? t('account.sameAsCurrent') : null,
      repeat: (v, values) => (v === values.next ? null : t('account.mismatch')),
    },
  });
  const submit = form.onSubmit((values) =>
    update.mutate(
      { password: { current: values.current, next: values.next } },
      {
        onSuccess: () =>
          login.mutate(
            { username: me.username, password: values.next },
            {
              onSuccess: () => {
                notifySuccess(t('account.passwordChanged'));
                onDone();
              },
              // signed out everywhere and the new sign-in failed (rate limit, network): the login page says why
              onError: () => window.location.assign('/login'),
            },
          ),
        onError: (error) => {
          if (isApiError(error, 'validation_failed')) {
            const { fieldErrors, otherErrors } = splitFieldErrors(error.details, (p) => p === 'password.current' || p === 'password.next');
            form.setErrors({
              ...(fieldErrors['password.current'] ? { current: t('account.wrongPassword') } : {}),
              ...(fieldErrors['password.next'] ? { next: fieldErrors['password.next'] } : {}),
            });
            if (otherErrors.length === 0) return;
          }
          notifyError(t, error);
        },
      },
    ),
  );
  return (
    <form onSubmit={submit} onKeyDown={submitOnModEnter} noValidate data-testid="change-password-form">
      <Stack gap="sm">
        <PasswordInput label={t('account.currentPassword')} autoComplete="current-password" data-autofocus data-testid="password-current" {...form.getInputProps('current')} />
        <PasswordInput
          label={t('account.newPassword')}
          description={t('users.passwordHint', { min: PASSWORD_MIN })}
          autoComplete="new-password"
          data-testid="password-next"
          {...form.getInputProps('next')}
        />
        <PasswordInput label={t('account.repeatPassword')} autoComplete="new-password" data-testid="password-repeat" {...form.getInputProps('repeat')} />
        <Text size="xs" c="dimmed">
          {t('account.otherSessionsHint')}
        </Text>
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onDone}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={update.isPending || login.isPending} data-testid="password-save">
            {t('account.changePassword')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
