// Applies the saved colour scheme before React mounts so dark mode does not flash white.
// A file, not an inline script, because the server's Content-Security-Policy forbids inline scripts.
try {
  var saved = localStorage.getItem('mantine-color-scheme-value');
  var dark = saved === 'dark' || (saved === 'auto' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.setAttribute('data-mantine-color-scheme', dark ? 'dark' : 'light');
} catch (e) {
  document.documentElement.setAttribute('data-mantine-color-scheme', 'light');
}
