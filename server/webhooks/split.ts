// Long webhook posts become several posts, as Mattermost's SplitWebhookPost does:
// the message is cut into pieces of at most maxPostSize runes; every piece
// carries the same props; attachments go on the last piece, spilling into extra
// message-less posts when the props would exceed the size limit, and a lone
// attachment that is still too big has its text truncated.

import {HookError} from './errors.js';
import {goMarshalMap} from './go-json.js';
import {runeCount, runeOffset} from './text.js';

/** model.PostMessageMaxRunesV2 (the usual MaxPostSize). */
export const DEFAULT_MAX_POST_RUNES = 16383;
/** model.PostPropsMaxUserRunes: 800000 minus room the server keeps for itself. */
export const PROPS_MAX_USER_RUNES = 760_000;

export interface SplitInput {
  message: string;
  /** Props without attachments. */
  props: Record<string, unknown>;
  attachments: Record<string, unknown>[];
}

export interface SplitPiece {
  message: string;
  props: Record<string, unknown>;
}

function propsTooLarge(): HookError {
  return HookError.badRequest('web.incoming_webhook.split_props_length.app_error', `The webhook props are too large: at most ${PROPS_MAX_USER_RUNES} characters once encoded.`);
}

/**
 * False when the props cannot exceed `maxRunes` once Go-encoded, checked without
 * sorting their keys: goMarshalMap is JSON.stringify plus at most 5 more units
 * for each character it escapes, and runes never outnumber UTF-16 units.
 */
function mayExceed(props: Record<string, unknown>, maxRunes: number): boolean {
  const json = JSON.stringify(props);
  return json.length * 6 > maxRunes;
}

export function splitWebhookPost(input: SplitInput, maxPostRunes = DEFAULT_MAX_POST_RUNES, maxPropsRunes = PROPS_MAX_USER_RUNES): SplitPiece[] {
  const base = {...input.props};
  delete base.attachments;
  if (mayExceed(base, maxPropsRunes) && runeCount(goMarshalMap(base)) > maxPropsRunes) throw propsTooLarge();

  const pieces: SplitPiece[] = [];
  let remaining = input.message;
  // A string has no more runes than UTF-16 units, so a short message needs no count.
  while (remaining.length > maxPostRunes && runeCount(remaining) > maxPostRunes) {
    const cut = runeOffset(remaining, maxPostRunes);
    pieces.push({message: remaining.slice(0, cut), props: {...base}});
    remaining = remaining.slice(cut);
  }
  pieces.push({message: remaining, props: {...base}});

  for (const attachment of input.attachments) {
    const current = {...attachment};
    for (;;) {
      const last = pieces[pieces.length - 1]!;
      const existing = (last.props.attachments as Record<string, unknown>[] | undefined) ?? [];
      const props = {...last.props, attachments: [...existing, current]};
      const size = mayExceed(props, maxPropsRunes) ? runeCount(goMarshalMap(props)) : 0;
      if (size <= maxPropsRunes) {
        last.props = props;
        break;
      }
      if (existing.length > 0) {
        pieces.push({message: '', props: {...base}});
        continue;
      }
      const text = typeof current.text === 'string' ? current.text : '';
      const textRunes = runeCount(text);
      const excess = size - maxPropsRunes;
      if (textRunes < excess) throw propsTooLarge();
      current.text = text.slice(0, runeOffset(text, textRunes - excess));
      last.props = {...last.props, attachments: [current]};
      break;
    }
  }
  return pieces;
}
