// Interactive dialogs (Mattermost model/integration_action.go, docs
// integrate/plugins/interactive-dialogs): validation with the native limits, and
// conversion between the REST JSON shape services send and the Go model the
// plugin API takes.

import type {Dialog, DialogElement} from '../mattermost/model.js';

export interface DialogElementJSON {
  display_name?: string;
  name?: string;
  type?: string;
  subtype?: string;
  default?: string;
  placeholder?: string;
  help_text?: string;
  optional?: boolean;
  min_length?: number;
  max_length?: number;
  data_source?: string;
  data_source_url?: string;
  options?: {text?: string; value?: string}[] | null;
  multiselect?: boolean;
  min_date?: string;
  max_date?: string;
  time_interval?: number;
  default_time?: string;
}

export interface DialogJSON {
  callback_id?: string;
  title?: string;
  introduction_text?: string;
  icon_url?: string;
  elements?: DialogElementJSON[] | null;
  submit_label?: string;
  notify_on_cancel?: boolean;
  state?: string;
}

export class DialogValidationError extends Error {
  override name = 'DialogValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const TEXT_SUBTYPES = new Set(['', 'text', 'email', 'number', 'tel', 'url', 'password']);
const SELECT_SOURCES = new Set(['', 'users', 'channels', 'dynamic']);
const TYPES = new Set(['text', 'textarea', 'select', 'bool', 'radio', 'date', 'datetime']);
const RELATIVE_DATE = /^(today|tomorrow|yesterday|[+-]\d+[dwMh])$/;

function runes(s: string | undefined): number {
  return s === undefined ? 0 : [...s].length;
}

function isDateValue(s: string, withTime: boolean): boolean {
  if (RELATIVE_DATE.test(s)) return true;
  const iso = withTime ? /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/ : /^\d{4}-\d{2}-\d{2}$/;
  return iso.test(s) && !Number.isNaN(Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s));
}

/** Throws DialogValidationError naming the offending field; returns the dialog unchanged. */
export function validateDialog(d: DialogJSON): DialogJSON {
  const title = d.title ?? '';
  if (!title.trim()) throw new DialogValidationError('title', 'is required');
  if (runes(title) > 24) throw new DialogValidationError('title', 'must be 24 characters or fewer');
  if (d.icon_url && !/^https?:\/\//i.test(d.icon_url)) throw new DialogValidationError('icon_url', 'must be an http(s) URL');
  const elements = d.elements ?? [];
  if (!Array.isArray(elements)) throw new DialogValidationError('elements', 'must be a list');
  const names = new Set<string>();
  elements.forEach((e, i) => {
    const at = `elements[${i}]`;
    if (!e || typeof e !== 'object') throw new DialogValidationError(at, 'must be an object');
    if (!e.display_name?.trim()) throw new DialogValidationError(`${at}.display_name`, 'is required');
    if (runes(e.display_name) > 24) throw new DialogValidationError(`${at}.display_name`, 'must be 24 characters or fewer');
    if (!e.name?.trim()) throw new DialogValidationError(`${at}.name`, 'is required');
    if (runes(e.name) > 300) throw new DialogValidationError(`${at}.name`, 'must be 300 characters or fewer');
    if (names.has(e.name)) throw new DialogValidationError(`${at}.name`, `"${e.name}" is used by another element`);
    names.add(e.name);
    if (runes(e.help_text) > 150) throw new DialogValidationError(`${at}.help_text`, 'must be 150 characters or fewer');
    const type = e.type ?? '';
    if (!TYPES.has(type)) throw new DialogValidationError(`${at}.type`, `must be one of ${[...TYPES].join(', ')}`);
    const min = e.min_length ?? 0;
    const max = e.max_length ?? 0;
    if (min < 0) throw new DialogValidationError(`${at}.min_length`, 'must not be negative');
    if (max && min > max) throw new DialogValidationError(`${at}.min_length`, 'must not exceed max_length');
    const options = e.options ?? [];
    for (const [j, o] of options.entries()) {
      if (!o?.text || o.value === undefined || o.value === '') throw new DialogValidationError(`${at}.options[${j}]`, 'needs text and value');
    }
    switch (type) {
      case 'text':
        if (!TEXT_SUBTYPES.has(e.subtype ?? '')) throw new DialogValidationError(`${at}.subtype`, `must be one of ${[...TEXT_SUBTYPES].filter(Boolean).join(', ')}`);
        if (runes(e.default) > 150 || runes(e.placeholder) > 150) throw new DialogValidationError(`${at}.default`, 'default and placeholder must be 150 characters or fewer');
        if (max > 150) throw new DialogValidationError(`${at}.max_length`, 'must be 150 or fewer for text');
        break;
      case 'textarea':
        if (runes(e.default) > 3000 || runes(e.placeholder) > 3000) throw new DialogValidationError(`${at}.default`, 'default and placeholder must be 3000 characters or fewer');
        if (max > 3000) throw new DialogValidationError(`${at}.max_length`, 'must be 3000 or fewer for textarea');
        break;
      case 'select': {
        const source = e.data_source ?? '';
        if (!SELECT_SOURCES.has(source)) throw new DialogValidationError(`${at}.data_source`, 'must be users, channels or dynamic');
        if (source && options.length) throw new DialogValidationError(`${at}.options`, 'a select takes options or a data_source, not both');
        if (source === 'dynamic') {
          const url = e.data_source_url ?? '';
          if (!(/^https:\/\//i.test(url) || url.startsWith('/plugins/')) || url.includes('..') || url.slice(8).includes('//')) {
            throw new DialogValidationError(`${at}.data_source_url`, 'must be an https URL or a /plugins/ path');
          }
        }
        if (e.default && !source) {
          const values = new Set(options.map((o) => o.value));
          const defaults = e.multiselect ? e.default.split(',').map((v) => v.trim()) : [e.default];
          if (!defaults.every((v) => values.has(v))) throw new DialogValidationError(`${at}.default`, 'must be one of the options');
        }
        break;
      }
      case 'bool':
        if (e.default && !['true', 'false'].includes(e.default)) throw new DialogValidationError(`${at}.default`, 'must be "true" or "false"');
        break;
      case 'radio':
        if (!options.length) throw new DialogValidationError(`${at}.options`, 'a radio needs options');
        if (e.default && !options.some((o) => o.value === e.default)) throw new DialogValidationError(`${at}.default`, 'must be one of the options');
        break;
      case 'date':
      case 'datetime': {
        const withTime = type === 'datetime';
        for (const key of ['default', 'min_date', 'max_date'] as const) {
          const v = e[key];
          if (v && !isDateValue(v, withTime)) throw new DialogValidationError(`${at}.${key}`, 'must be an ISO date or today, tomorrow, yesterday, ±N[d|w|M|h]');
        }
        const interval = e.time_interval ?? 0;
        if (interval && (interval < 1 || interval > 1440 || 1440 % interval !== 0)) throw new DialogValidationError(`${at}.time_interval`, 'must be 1–1440 and divide 1440');
        break;
      }
    }
  });
  if (runes(d.state) > 3000) throw new DialogValidationError('state', 'must be 3000 characters or fewer');
  return d;
}

export function dialogToModel(d: DialogJSON): Dialog {
  return {
    CallbackId: d.callback_id ?? '',
    Title: d.title ?? '',
    IntroductionText: d.introduction_text ?? '',
    IconURL: d.icon_url ?? '',
    SubmitLabel: d.submit_label ?? '',
    NotifyOnCancel: d.notify_on_cancel ?? false,
    State: d.state ?? '',
    Elements: (d.elements ?? []).map(
      (e): DialogElement => ({
        DisplayName: e.display_name ?? '',
        Name: e.name ?? '',
        Type: e.type ?? '',
        SubType: e.subtype ?? '',
        Default: e.default ?? '',
        Placeholder: e.placeholder ?? '',
        HelpText: e.help_text ?? '',
        Optional: e.optional ?? false,
        MinLength: e.min_length ?? 0,
        MaxLength: e.max_length ?? 0,
        DataSource: e.data_source ?? '',
        DataSourceURL: e.data_source_url ?? '',
        Options: (e.options ?? []).map((o) => ({Text: o.text ?? '', Value: o.value ?? ''})),
        MultiSelect: e.multiselect ?? false,
        MinDate: e.min_date ?? '',
        MaxDate: e.max_date ?? '',
        TimeInterval: e.time_interval ?? 0,
        DefaultTime: e.default_time ?? '',
      }),
    ),
  };
}
