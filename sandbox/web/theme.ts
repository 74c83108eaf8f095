// Light and dark themes: CSS variables for the page and the plugin's styles, and
// the same colours as a Mattermost theme object for post components.

export type ThemeName = 'light' | 'dark';

const themes: Record<ThemeName, Record<string, string>> = {
  light: {
    centerChannelBg: '#ffffff',
    centerChannelColor: '#3f4350',
    sidebarBg: '#1e325c',
    sidebarText: '#ffffff',
    buttonBg: '#1c58d9',
    buttonColor: '#ffffff',
    linkColor: '#386fe5',
    errorTextColor: '#d24b4e',
    onlineIndicator: '#3db887',
    awayIndicator: '#f5ab00',
  },
  dark: {
    centerChannelBg: '#1f1f1f',
    centerChannelColor: '#dddddd',
    sidebarBg: '#121212',
    sidebarText: '#dddddd',
    buttonBg: '#4a7fe0',
    buttonColor: '#ffffff',
    linkColor: '#75a4f6',
    errorTextColor: '#ff6b6e',
    onlineIndicator: '#3db887',
    awayIndicator: '#f5ab00',
  },
};

function rgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}`;
}

export function themeObject(name: ThemeName): Record<string, string> {
  return {type: name === 'dark' ? 'Onyx' : 'Denim', ...themes[name]};
}

export function applyTheme(name: ThemeName): void {
  const t = themes[name];
  const vars: Record<string, string> = {
    '--center-channel-bg': t.centerChannelBg!,
    '--center-channel-bg-rgb': rgb(t.centerChannelBg!),
    '--center-channel-color': t.centerChannelColor!,
    '--center-channel-color-rgb': rgb(t.centerChannelColor!),
    '--sidebar-bg': t.sidebarBg!,
    '--sidebar-text': t.sidebarText!,
    '--button-bg': t.buttonBg!,
    '--button-bg-rgb': rgb(t.buttonBg!),
    '--button-color': t.buttonColor!,
    '--link-color': t.linkColor!,
    '--error-text': t.errorTextColor!,
    '--online-indicator': t.onlineIndicator!,
    '--away-indicator': t.awayIndicator!,
  };
  const root = document.documentElement;
  for (const [k, v] of Object.entries(vars)) root.style.setProperty(k, v);
  root.dataset.theme = name;
  localStorage.setItem('sandbox-theme', name);
}

export function savedTheme(): ThemeName {
  const saved = localStorage.getItem('sandbox-theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
