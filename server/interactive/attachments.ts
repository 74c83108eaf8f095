// Validation of message attachments and their actions (Mattermost
// model/slack_attachment.go IsValid, model/integration_action.go), so a bad
// attachment is refused with a clear message instead of becoming a broken post.
// Actions without an id get one, as Mattermost's GenerateActionIds does.

import {randomBytes} from 'node:crypto';
import type {ActionJSON, AttachmentJSON} from './actions.js';

export class AttachmentValidationError extends Error {
  override name = 'AttachmentValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const COLOR = /^(good|warning|danger|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})$/;
const ACTION_ID = /^[A-Za-z0-9_-]+$/;
const STYLES = new Set(['', 'default', 'primary', 'success', 'good', 'warning', 'danger']);
const HTTP_URL = /^https?:\/\/\S+$/i;

function actionId(): string {
  // 26 lowercase alphanumerics, like Mattermost's NewId.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(26)].map((b) => alphabet[b % alphabet.length]).join('');
}

function checkURL(value: unknown, field: string): void {
  if (value === undefined || value === null || value === '') return;
  if (typeof value !== 'string' || !HTTP_URL.test(value)) throw new AttachmentValidationError(field, 'must be an http(s) URL');
}

function checkAction(a: ActionJSON, at: string): ActionJSON {
  if (!a || typeof a !== 'object') throw new AttachmentValidationError(at, 'must be an object');
  const out: ActionJSON = {...a};
  if (!out.id) out.id = actionId();
  else if (!ACTION_ID.test(out.id)) throw new AttachmentValidationError(`${at}.id`, 'may only contain letters, digits, "_" and "-"');
  if (!out.name || typeof out.name !== 'string') throw new AttachmentValidationError(`${at}.name`, 'is required');
  const type = out.type ?? 'button';
  if (type !== 'button' && type !== 'select') throw new AttachmentValidationError(`${at}.type`, 'must be "button" or "select"');
  const options = out.options ?? [];
  if (!Array.isArray(options)) throw new AttachmentValidationError(`${at}.options`, 'must be a list');
  if (type === 'button' && (options.length > 0 || out.data_source)) throw new AttachmentValidationError(at, 'a button takes no options or data_source');
  if (type === 'select') {
    const source = out.data_source ?? '';
    if (source && !['users', 'channels'].includes(source)) throw new AttachmentValidationError(`${at}.data_source`, 'must be "users" or "channels"');
    if (!source && options.length === 0) throw new AttachmentValidationError(at, 'a select needs options or a data_source');
    if (source && options.length > 0) throw new AttachmentValidationError(at, 'a select takes options or a data_source, not both');
    options.forEach((o, i) => {
      if (!o || typeof o.text !== 'string' || !o.text || typeof o.value !== 'string' || !o.value) throw new AttachmentValidationError(`${at}.options[${i}]`, 'needs text and value');
    });
  }
  const style = out.style ?? '';
  if (typeof style !== 'string' || !(STYLES.has(style) || COLOR.test(style))) throw new AttachmentValidationError(`${at}.style`, 'must be default, primary, success, good, warning, danger or a #hex colour');
  const url = out.integration?.url;
  if (!url || typeof url !== 'string') throw new AttachmentValidationError(`${at}.integration.url`, 'is required');
  if (!(HTTP_URL.test(url) || url.startsWith('/plugins/') || url.startsWith('plugins/'))) throw new AttachmentValidationError(`${at}.integration.url`, 'must be an http(s) URL or a /plugins/ path');
  const context = out.integration?.context;
  if (context !== undefined && context !== null && (typeof context !== 'object' || Array.isArray(context))) throw new AttachmentValidationError(`${at}.integration.context`, 'must be an object');
  return out;
}

/** Checks attachments (already through Slack processing) and returns them with action ids filled in. */
export function validateAttachments(attachments: readonly AttachmentJSON[]): AttachmentJSON[] {
  return attachments.map((a, i) => {
    const at = `attachments[${i}]`;
    if (a.color !== undefined && a.color !== '' && (typeof a.color !== 'string' || !COLOR.test(a.color))) throw new AttachmentValidationError(`${at}.color`, 'must be good, warning, danger or a #hex colour');
    if (a.author_link && !a.author_name) throw new AttachmentValidationError(`${at}.author_link`, 'needs author_name');
    if (a.title_link && !a.title) throw new AttachmentValidationError(`${at}.title_link`, 'needs title');
    for (const key of ['author_link', 'author_icon', 'title_link', 'image_url', 'thumb_url', 'footer_icon']) checkURL(a[key], `${at}.${key}`);
    if (typeof a.footer === 'string' && [...a.footer].length > 300) throw new AttachmentValidationError(`${at}.footer`, 'must be 300 characters or fewer');
    if (a.actions === undefined || a.actions === null) return a;
    if (!Array.isArray(a.actions)) throw new AttachmentValidationError(`${at}.actions`, 'must be a list');
    const seen = new Set<string>();
    const actions = a.actions.map((action, j) => {
      const checked = checkAction(action, `${at}.actions[${j}]`);
      if (seen.has(checked.id!)) throw new AttachmentValidationError(`${at}.actions[${j}].id`, `"${checked.id}" is used by another action`);
      seen.add(checked.id!);
      return checked;
    });
    return {...a, actions};
  });
}
