// A very small part of Mattermost's Markdown for messages: escaping first, then
// code, bold, italics, links with safe URLs, and line breaks. Exposed to plugins
// as window.PostUtils.formatText / messageHtmlToComponent.

import React from 'react';

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function safeURL(url: string): string | null {
  try {
    const u = new URL(url, window.location.origin);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.href : null;
  } catch {
    return null;
  }
}

export function formatText(text: string): string {
  const codes: string[] = [];
  let html = escape(text).replace(/`([^`\n]+)`/g, (_m, code: string) => {
    codes.push(code);
    return `\u0000${codes.length - 1}\u0000`;
  });
  html = html
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (m, label: string, url: string) => {
      const href = safeURL(url.replace(/&amp;/g, '&'));
      return href ? `<a href="${escape(href)}" target="_blank" rel="noopener noreferrer">${label}</a>` : m;
    })
    .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*\w])_([^_\n]+)_(?=$|[^\w])/g, '$1<em>$2</em>')
    .replace(/(^|[^*])\*([^*\n]+)\*(?!\*)/g, '$1<em>$2</em>')
    .replace(/\n/g, '<br>');
  // eslint-disable-next-line no-control-regex
  return html.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => `<code>${codes[Number(i)]}</code>`);
}

export function messageHtmlToComponent(html: string): React.ReactNode {
  return React.createElement('span', {className: 'sbx-markdown', dangerouslySetInnerHTML: {__html: html}});
}

declare global {
  interface Window {
    PostUtils?: {formatText: (text: string, options?: unknown) => string; messageHtmlToComponent: (html: string, options?: unknown) => React.ReactNode};
  }
}

export function installPostUtils(): void {
  window.PostUtils = {formatText: (text) => formatText(text), messageHtmlToComponent: (html) => messageHtmlToComponent(html)};
}
