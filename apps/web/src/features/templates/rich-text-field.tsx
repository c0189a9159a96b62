import { Button, Group, Input, Menu, TextInput } from '@mantine/core';
import { Link, RichTextEditor } from '@mantine/tiptap';
import { IconBraces, IconPlus } from '@tabler/icons-react';
import { Extension, useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TEMPLATE_VARIABLES } from '@postdesk/mailkit/template/fields';
import { useEditorLabels } from '../../components/editor-labels.ts';


/** Bold, italic, underline, strike and clear: the first group of every editor's toolbar. */
export function InlineFormattingControls() {
  return (
    <RichTextEditor.ControlsGroup>
      <RichTextEditor.Bold />
      <RichTextEditor.Italic />
      <RichTextEditor.Underline />
      <RichTextEditor.Strikethrough />
      <RichTextEditor.ClearFormatting />
    </RichTextEditor.ControlsGroup>
  );
}

/** Ctrl+Enter belongs to the form (submit), not to the editor (hard break). */
const LeaveModEnterToForm = Extension.create({
  name: 'leaveModEnterToForm',
  priority: 1000,
  addKeyboardShortcuts() {
    return { 'Mod-Enter': () => true };
  },
});

/** Mantine's rich text editor with translated controls and a `${variable}` inserter. */
export function RichTextField({
  label,
  initialHtml,
  onChange,
  error,
  testId,
}: {
  label: string;
  initialHtml: string;
  onChange: (html: string) => void;
  error?: string | null;
  testId: string;
}) {
  const { t } = useTranslation();
  const [custom, setCustom] = useState('');
  const editor = useEditor({
    extensions: [StarterKit.configure({ link: false }), Link.configure({ openOnClick: false }), LeaveModEnterToForm],
    content: initialHtml,
    onUpdate: ({ editor: current }) => onChange(current.getHTML()),
  });

  const insert = (name: string) => {
    const clean = name.trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(clean)) return;
    editor?.chain().focus().insertContent(`\${${clean}}`).run();
    setCustom('');
  };

  const labels = useEditorLabels();

  return (
    <Input.Wrapper label={label} error={error} data-testid={testId}>
      <RichTextEditor editor={editor} labels={labels} mt={4} style={error ? { borderColor: 'var(--mantine-color-error)' } : undefined}>
        <RichTextEditor.Toolbar sticky stickyOffset="var(--app-shell-header-height, 48px)">
          <InlineFormattingControls />
          <RichTextEditor.ControlsGroup>
            <RichTextEditor.H1 />
            <RichTextEditor.H2 />
            <RichTextEditor.H3 />
          </RichTextEditor.ControlsGroup>
          <RichTextEditor.ControlsGroup>
            <RichTextEditor.BulletList />
            <RichTextEditor.OrderedList />
            <RichTextEditor.Blockquote />
            <RichTextEditor.Hr />
          </RichTextEditor.ControlsGroup>
          <RichTextEditor.ControlsGroup>
            <RichTextEditor.Link />
            <RichTextEditor.Unlink />
          </RichTextEditor.ControlsGroup>
          <RichTextEditor.ControlsGroup>
            <RichTextEditor.Undo />
            <RichTextEditor.Redo />
            <RichTextEditor.SourceCode />
          </RichTextEditor.ControlsGroup>
          <Menu shadow="md" width={260} position="bottom-start" closeOnItemClick>
            <Menu.Target>
              <Button
                size="compact-sm"
                variant="default"
                leftSection={<IconBraces size={14} />}
                data-testid="template-insert-variable"
                ml="auto"
              >
                {t('templates.insertVariable')}
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{t('templates.knownVariables')}</Menu.Label>
              {TEMPLATE_VARIABLES.map((name) => (
                <Menu.Item
                  key={name}
                  onClick={() => insert(name)}
                  data-testid={`template-variable-${name}`}
                  rightSection={
                    <Input.Description ff="monospace" fz={11}>
                      {`\${${name}}`}
                    </Input.Description>
                  }
                >
                  {t(`templates.variables.${name}`)}
                </Menu.Item>
              ))}
              <Menu.Divider />
              <Menu.Label>{t('templates.customVariable')}</Menu.Label>
              <Group gap={4} px={8} pb={6} wrap="nowrap">
                <TextInput
                  size="xs"
                  flex={1}
                  value={custom}
                  placeholder={t('templates.customVariablePlaceholder')}
                  onChange={(event) => setCustom(event.currentTarget.value)}
                  onKeyDown={(event) => {
                    if (event.key === 'Enter') {
                      event.preventDefault();
                      insert(custom);
                    }
                  }}
                  aria-label={t('templates.customVariable')}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                />
                <Button size="xs" variant="light" px={8} onClick={() => insert(custom)} aria-label={t('templates.insert')}>
                  <IconPlus size={14} />
                </Button>
              </Group>
            </Menu.Dropdown>
          </Menu>
        </RichTextEditor.Toolbar>
        <RichTextEditor.Content mih={260} data-testid={`${testId}-content`} />
      </RichTextEditor>
    </Input.Wrapper>
  );
}
