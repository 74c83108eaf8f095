// The channel view: header with the channel menu, posts as they arrive, and the
// message box. Posts of a registered custom type, or with attachments, are drawn
// by the plugin's own post component, as core hands them to it.

import React, {useEffect, useRef, useState} from 'react';
import {useDispatch, useSelector, useStore} from 'react-redux';
import {createPost, editPost} from '../actions.js';
import {formatText, messageHtmlToComponent} from '../markdown.js';
import type {RestPost, RootState} from '../store.js';
import {themeObject} from '../theme.js';
import {PluginBoundary, useRegistries, type Component} from './plugins.js';

type AnyDispatch = (action: unknown) => Promise<void> | unknown;

function usePostComponent(post: RestPost): {component: Component; name: string} | null {
  const registries = useRegistries();
  const propsType = typeof post.props?.type === 'string' ? post.props.type : '';
  for (const r of registries) {
    const entry = r.registered.postTypes.get(propsType) ?? r.registered.postTypes.get(post.type);
    if (entry) return {component: entry.component, name: `${r.id} ${entry.type}`};
  }
  // Core draws attachments itself; the sandbox has no renderer of its own, so the plugin's does it.
  if (Array.isArray(post.props?.attachments) && post.props.attachments.length > 0) {
    for (const r of registries) {
      const entry = r.registered.postTypes.get(`custom_${r.id}`);
      if (entry) return {component: entry.component, name: `${r.id} ${entry.type}`};
    }
  }
  return null;
}

function time(ms: number): string {
  return new Date(ms).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'});
}

function PostView({post}: {post: RestPost}): React.ReactElement {
  const dispatch = useDispatch() as AnyDispatch;
  const author = useSelector((s: RootState) => s.entities.users.profiles[post.user_id]);
  const me = useSelector((s: RootState) => s.entities.users.currentUserId);
  const theme = useSelector((s: RootState) => s.sandbox.theme);
  const custom = usePostComponent(post);
  const [editing, setEditing] = useState<string | null>(null);
  const name = typeof post.props?.override_username === 'string' && post.props.override_username ? post.props.override_username : String(author?.username ?? post.user_id.slice(0, 8));
  const isBot = Boolean(author?.is_bot) || post.props?.from_webhook === 'true';
  const C = custom?.component;

  return (
    <article className={`sbx-post${post.ephemeral ? ' sbx-post--ephemeral' : ''}`} data-post-id={post.id}>
      <header className='sbx-post__header'>
        <strong>{name}</strong>
        {isBot && <span className='sbx-tag'>BOT</span>}
        <time dateTime={new Date(post.create_at).toISOString()}>{time(post.create_at)}</time>
        {post.edit_at > 0 && <span className='sbx-muted'>(edited)</span>}
        {post.ephemeral && <span className='sbx-muted'>(Only visible to you)</span>}
        {post.root_id && <span className='sbx-muted'>reply</span>}
        {post.user_id === me && !post.ephemeral && editing === null && (
          <button type='button' className='sbx-link' onClick={() => setEditing(post.message)}>
            Edit
          </button>
        )}
      </header>
      {editing !== null ? (
        <form
          className='sbx-edit'
          onSubmit={(e) => {
            e.preventDefault();
            void dispatch(editPost(post.id, editing));
            setEditing(null);
          }}
        >
          <textarea value={editing} onChange={(e) => setEditing(e.target.value)} rows={2} />
          <button type='submit'>Save</button>
          <button type='button' onClick={() => setEditing(null)}>
            Cancel
          </button>
        </form>
      ) : C ? (
        <PluginBoundary name={custom.name}>
          <C post={post} compactDisplay={false} isRHS={false} theme={themeObject(theme)} />
        </PluginBoundary>
      ) : (
        <div className='sbx-post__body'>{messageHtmlToComponent(formatText(post.message))}</div>
      )}
    </article>
  );
}

function ChannelMenu({channelId}: {channelId: string}): React.ReactElement | null {
  const registries = useRegistries();
  const store = useStore<RootState>();
  const [open, setOpen] = useState(false);
  const items = registries.flatMap((r) => r.registered.channelHeaderMenu.filter((m) => !m.shouldRender || m.shouldRender(store.getState())));
  if (items.length === 0) return null;
  return (
    <div className='sbx-menu'>
      <button type='button' aria-haspopup='menu' aria-expanded={open} onClick={() => setOpen(!open)}>
        Channel menu ▾
      </button>
      {open && (
        <ul role='menu'>
          {items.map((m) => (
            <li key={m.id}>
              <button
                type='button'
                role='menuitem'
                onClick={() => {
                  setOpen(false);
                  m.action(channelId);
                }}
              >
                {m.text as React.ReactNode}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function ChannelView(): React.ReactElement {
  const dispatch = useDispatch() as AnyDispatch;
  const channelId = useSelector((s: RootState) => s.entities.channels.currentChannelId);
  const channel = useSelector((s: RootState) => s.entities.channels.channels[channelId]);
  const ids = useSelector((s: RootState) => s.entities.posts.postsInChannel[channelId]);
  const posts = useSelector((s: RootState) => s.entities.posts.posts);
  const [message, setMessage] = useState('');
  const [sending, setSending] = useState(false);
  const end = useRef<HTMLDivElement>(null);
  const ordered = [...(ids ?? [])].reverse().map((id) => posts[id]).filter((p): p is RestPost => Boolean(p));

  // Braces matter: newer browsers return a promise from scrollIntoView, which React would take for a cleanup.
  useEffect(() => {
    end.current?.scrollIntoView({block: 'end'});
  }, [ordered.length]);

  if (!channel) return <section className='sbx-channel sbx-empty'>Pick a channel.</section>;

  const send = async (): Promise<void> => {
    const text = message.trim();
    if (!text || sending) return;
    setSending(true);
    try {
      await dispatch(createPost(channelId, text));
      setMessage('');
    } catch {
      // the notice says what went wrong; keep the text
    } finally {
      setSending(false);
    }
  };

  return (
    <section className='sbx-channel' aria-label={`Channel ${String(channel.display_name)}`}>
      <header className='sbx-channel__header'>
        <div>
          <h2>
            {channel.type === 'P' ? '🔒 ' : '# '}
            {String(channel.display_name)}
          </h2>
          {channel.purpose ? <p className='sbx-muted'>{String(channel.purpose)}</p> : null}
        </div>
        <ChannelMenu channelId={channelId} />
      </header>
      <div className='sbx-posts' role='log' aria-live='polite'>
        {ordered.length === 0 && <p className='sbx-muted sbx-empty'>No messages yet. Say something.</p>}
        {ordered.map((p) => (
          <PostView key={p.id} post={p} />
        ))}
        <div ref={end} />
      </div>
      <form
        className='sbx-composer'
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <textarea
          aria-label='Message'
          placeholder={`Write to ${String(channel.display_name)} (Enter sends, Shift+Enter for a new line)`}
          value={message}
          rows={2}
          onChange={(e) => setMessage(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void send();
            }
          }}
        />
        <button type='submit' disabled={sending || !message.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
