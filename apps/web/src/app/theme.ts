import {
  ActionIcon,
  Badge,
  Button,
  createTheme,
  Drawer,
  Modal,
  NumberInput,
  PasswordInput,
  Select,
  Switch,
  Table,
  Tabs,
  Textarea,
  TextInput,
  Tooltip,
} from '@mantine/core';

/**
 * One dense, calm look for a console a supervisor keeps open all day:
 * small inputs, compact tables, one accent colour, soft radii.
 */
export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'sm',
  cursorType: 'pointer',
  focusRing: 'auto',
  fontFamily:
    'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  headings: { fontWeight: '600' },
  components: {
    TextInput: TextInput.extend({ defaultProps: { size: 'sm' } }),
    PasswordInput: PasswordInput.extend({ defaultProps: { size: 'sm' } }),
    NumberInput: NumberInput.extend({ defaultProps: { size: 'sm', hideControls: true } }),
    Select: Select.extend({ defaultProps: { size: 'sm', allowDeselect: false, comboboxProps: { shadow: 'md' } } }),
    Textarea: Textarea.extend({ defaultProps: { size: 'sm' } }),
    Switch: Switch.extend({ defaultProps: { size: 'sm' } }),
    Button: Button.extend({ defaultProps: { size: 'sm' } }),
    ActionIcon: ActionIcon.extend({ defaultProps: { variant: 'subtle', color: 'gray' } }),
    Badge: Badge.extend({ defaultProps: { radius: 'sm', variant: 'light' }, styles: { root: { textTransform: 'none' } } }),
    Table: Table.extend({
      defaultProps: { verticalSpacing: 6, horizontalSpacing: 'sm', fz: 'sm', highlightOnHover: true },
    }),
    Tabs: Tabs.extend({ defaultProps: { keepMounted: true } }),
    Tooltip: Tooltip.extend({ defaultProps: { openDelay: 250, withArrow: true, multiline: true, maw: 360 } }),
    Modal: Modal.extend({ defaultProps: { centered: false, overlayProps: { backgroundOpacity: 0.45, blur: 1 } } }),
    Drawer: Drawer.extend({ defaultProps: { position: 'right', size: 'md' } }),
  },
});
