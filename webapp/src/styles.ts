import {PLUGIN_ID} from './manifest';

const STYLE_ELEMENT_ID = `${PLUGIN_ID}-styles`;

// Colours come from the theme variables Mattermost sets on :root, so light
// and dark themes work without reading the theme object; fallbacks are the
// default "Denim" theme for hosts that do not set them.
const fg = 'var(--center-channel-color, #3f4350)';
const bg = 'var(--center-channel-bg, #ffffff)';
const fgA = (alpha: number) => `rgba(var(--center-channel-color-rgb, 63, 67, 80), ${alpha})`;
const accent = 'var(--button-bg, #1c58d9)';
const accentText = 'var(--button-color, #ffffff)';
const danger = 'var(--error-text, #d24b4e)';
const success = 'var(--online-indicator, #3db887)';
const warning = 'var(--away-indicator, #ffbc1f)';
const link = 'var(--link-color, #386fe5)';

export const CSS = `
.hb-root, .hb-modal { color: ${fg}; font-size: 14px; line-height: 20px; }
.hb-root *:focus-visible, .hb-modal *:focus-visible { outline: 2px solid ${accent}; outline-offset: 2px; }
.hb-visually-hidden { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0,0,0,0); white-space: nowrap; border: 0; }

.hb-modal-backdrop { position: fixed; inset: 0; z-index: 1050; background: rgba(0,0,0,0.5); display: flex; align-items: flex-start; justify-content: center; overflow-y: auto; padding: 48px 16px; }
.hb-modal { background: ${bg}; border-radius: 8px; box-shadow: 0 20px 32px rgba(0,0,0,0.12); width: 100%; max-width: 720px; display: flex; flex-direction: column; }
.hb-modal--large { max-width: 960px; }
.hb-modal__header { display: flex; align-items: center; gap: 12px; padding: 20px 24px 12px; border-bottom: 1px solid ${fgA(0.12)}; }
.hb-modal__title { flex: 1; margin: 0; font-size: 20px; line-height: 28px; font-weight: 600; }
.hb-modal__icon { width: 32px; height: 32px; border-radius: 4px; }
.hb-modal__body { padding: 16px 24px; }
.hb-modal__footer { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 24px 20px; border-top: 1px solid ${fgA(0.12)}; }
.hb-close { background: transparent; border: none; color: ${fgA(0.64)}; font-size: 24px; line-height: 24px; width: 32px; height: 32px; border-radius: 4px; cursor: pointer; }
.hb-close:hover { background: ${fgA(0.08)}; color: ${fg}; }

.hb-btn { display: inline-flex; align-items: center; gap: 4px; border-radius: 4px; border: 1px solid transparent; padding: 6px 14px; font-weight: 600; font-size: 14px; cursor: pointer; background: ${fgA(0.08)}; color: ${fg}; }
.hb-btn:hover:not(:disabled) { background: ${fgA(0.16)}; }
.hb-btn:disabled { opacity: 0.5; cursor: not-allowed; }
.hb-btn--primary { background: ${accent}; color: ${accentText}; }
.hb-btn--primary:hover:not(:disabled) { background: ${accent}; filter: brightness(0.92); }
.hb-btn--danger { background: ${danger}; color: #fff; }
.hb-btn--danger:hover:not(:disabled) { background: ${danger}; filter: brightness(0.92); }
.hb-btn--link { background: transparent; color: ${link}; padding: 6px 8px; }
.hb-btn--small { padding: 2px 8px; font-size: 12px; }

.hb-field { margin-bottom: 16px; }
.hb-field > label, .hb-label, .hb-fieldset > legend { display: block; font-weight: 600; margin-bottom: 4px; font-size: 14px; border: none; padding: 0; color: ${fg}; }
.hb-fieldset { border: none; padding: 0; margin: 0 0 16px; min-width: 0; }
.hb-input, .hb-select, .hb-textarea { width: 100%; box-sizing: border-box; padding: 6px 10px; border-radius: 4px; border: 1px solid ${fgA(0.24)}; background: ${bg}; color: ${fg}; font: inherit; }
.hb-input:hover, .hb-select:hover, .hb-textarea:hover { border-color: ${fgA(0.48)}; }
.hb-input[aria-invalid="true"], .hb-select[aria-invalid="true"], .hb-textarea[aria-invalid="true"] { border-color: ${danger}; }
.hb-input[readonly] { background: ${fgA(0.04)}; }
.hb-textarea { min-height: 72px; resize: vertical; }
.hb-help { color: ${fgA(0.64)}; font-size: 12px; margin-top: 4px; }
.hb-error { color: ${danger}; font-size: 12px; margin-top: 4px; }
.hb-required { color: ${danger}; margin-left: 2px; }
.hb-check, .hb-field > label.hb-check { display: flex; align-items: center; gap: 8px; font-weight: normal; margin-bottom: 4px; }
.hb-check input { margin: 0; }
.hb-row { display: flex; gap: 8px; align-items: center; }
.hb-row > .hb-input, .hb-row > .hb-select { flex: 1; }
.hb-grid-2 { display: grid; grid-template-columns: 1fr 1fr; gap: 0 16px; }
.hb-list-row { display: flex; gap: 8px; align-items: flex-start; margin-bottom: 6px; }
.hb-list-row__input { flex: 1; }
.hb-banner { border-radius: 4px; padding: 8px 12px; margin-bottom: 16px; }
.hb-banner--error { background: rgba(210, 75, 78, 0.12); color: ${danger}; }
.hb-banner--info { background: ${fgA(0.08)}; }
.hb-banner--success { background: rgba(61, 184, 135, 0.16); }

.hb-switch { position: relative; width: 36px; height: 20px; border-radius: 10px; border: none; padding: 0; background: ${fgA(0.32)}; cursor: pointer; flex-shrink: 0; }
.hb-switch::after { content: ""; position: absolute; top: 2px; left: 2px; width: 16px; height: 16px; border-radius: 50%; background: #fff; transition: left 0.15s; }
.hb-switch[aria-checked="true"] { background: ${success}; }
.hb-switch[aria-checked="true"]::after { left: 18px; }
.hb-switch:disabled { opacity: 0.5; cursor: not-allowed; }

.hb-tabs { display: flex; gap: 4px; border-bottom: 1px solid ${fgA(0.12)}; margin-bottom: 16px; }
.hb-tab { background: transparent; border: none; border-bottom: 2px solid transparent; padding: 8px 12px; font-weight: 600; color: ${fgA(0.64)}; cursor: pointer; }
.hb-tab[aria-selected="true"] { color: ${accent}; border-bottom-color: ${accent}; }

.hb-toolbar { display: flex; align-items: center; gap: 8px; margin-bottom: 12px; flex-wrap: wrap; }
.hb-toolbar__title { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
.hb-hook-list { list-style: none; margin: 0; padding: 0; }
.hb-hook { border: 1px solid ${fgA(0.16)}; border-radius: 4px; padding: 12px; margin-bottom: 8px; }
.hb-hook__head { display: flex; align-items: center; gap: 8px; }
.hb-hook__name { flex: 1; margin: 0; font-size: 14px; font-weight: 600; }
.hb-hook__meta { color: ${fgA(0.72)}; font-size: 12px; margin-top: 4px; word-break: break-all; }
.hb-hook__actions { display: flex; gap: 4px; margin-top: 8px; flex-wrap: wrap; }
.hb-badge { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: 11px; font-weight: 600; text-transform: uppercase; background: ${fgA(0.08)}; }
.hb-badge--succeeded { background: rgba(61, 184, 135, 0.2); }
.hb-badge--failed { background: rgba(210, 75, 78, 0.2); color: ${danger}; }
.hb-badge--retrying, .hb-badge--pending { background: rgba(255, 188, 31, 0.24); }
.hb-code { font-family: Menlo, Consolas, monospace; font-size: 12px; background: ${fgA(0.04)}; border: 1px solid ${fgA(0.12)}; border-radius: 4px; padding: 8px; white-space: pre-wrap; word-break: break-all; max-height: 240px; overflow: auto; margin: 0 0 12px; }

.hb-table { width: 100%; border-collapse: collapse; font-size: 13px; }
.hb-table th, .hb-table td { text-align: left; padding: 6px 8px; border-bottom: 1px solid ${fgA(0.08)}; vertical-align: top; }
.hb-table th { font-weight: 600; color: ${fgA(0.72)}; }
.hb-chart-figure { margin: 0 0 16px; }
.hb-chart { display: block; max-width: 100%; height: auto; margin-bottom: 4px; }
.hb-chart__ok { fill: ${success}; }
.hb-chart__failed { fill: ${danger}; }
.hb-chart__empty { fill: ${fgA(0.08)}; }
.hb-chart__p95 { stroke: ${accent}; fill: none; stroke-width: 2; }
.hb-chart__p50 { stroke: ${fgA(0.56)}; fill: none; stroke-width: 1.5; stroke-dasharray: 4 3; }
.hb-chart__axis { fill: ${fgA(0.64)}; font-size: 10px; }
.hb-chart__grid { stroke: ${fgA(0.12)}; }

.hb-post { color: ${fg}; }
.hb-post a { color: ${link}; }
.hb-post__message { margin-bottom: 4px; }
.hb-plain-text { white-space: pre-wrap; word-wrap: break-word; }
.hb-attachment { margin: 8px 0; }
.hb-attachment__pretext { margin-bottom: 4px; }
.hb-attachment__container { border: 1px solid ${fgA(0.16)}; border-left: 4px solid ${fgA(0.24)}; border-radius: 4px; padding: 10px 12px; max-width: 700px; overflow: hidden; }
.hb-attachment__container--good { border-left-color: ${success}; }
.hb-attachment__container--warning { border-left-color: ${warning}; }
.hb-attachment__container--danger { border-left-color: ${danger}; }
.hb-attachment__author { display: flex; align-items: center; gap: 6px; font-size: 13px; color: ${fgA(0.72)}; margin-bottom: 4px; }
.hb-attachment__author-icon { width: 16px; height: 16px; border-radius: 50%; }
.hb-attachment__title { font-weight: 600; margin: 0 0 4px; font-size: 14px; }
.hb-attachment__thumb { float: right; max-width: 75px; max-height: 75px; margin-left: 12px; border-radius: 4px; }
.hb-attachment__fields { display: flex; flex-direction: column; gap: 8px; margin-top: 8px; }
.hb-attachment__field-row { display: flex; gap: 16px; }
.hb-attachment__field { flex: 1 1 100%; min-width: 0; }
.hb-attachment__field--short { flex: 1 1 50%; }
.hb-attachment__field-title { font-weight: 600; font-size: 13px; }
.hb-attachment__image { display: block; max-width: min(400px, 100%); max-height: 300px; margin-top: 8px; border-radius: 4px; }
.hb-attachment__footer { display: flex; align-items: center; gap: 6px; margin-top: 8px; font-size: 12px; color: ${fgA(0.64)}; clear: both; }
.hb-attachment__footer-icon { width: 16px; height: 16px; }
.hb-attachment__actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; clear: both; }
.hb-attachment__actions .hb-select { width: auto; min-width: 180px; font-size: 13px; padding: 5px 8px; }
.hb-action-status { font-size: 13px; margin-top: 6px; }
.hb-action { border-radius: 4px; padding: 6px 14px; font-weight: 600; font-size: 13px; cursor: pointer; border: 1px solid ${fgA(0.16)}; background: ${bg}; color: ${accent}; }
.hb-action:hover:not(:disabled) { background: ${fgA(0.08)}; }
.hb-action:disabled { opacity: 0.5; cursor: not-allowed; }
.hb-action--primary { background: ${accent}; color: ${accentText}; border-color: ${accent}; }
.hb-action--primary:hover:not(:disabled) { background: ${accent}; filter: brightness(0.92); }
.hb-action--default { color: ${fg}; }
.hb-action--success, .hb-action--good { color: ${success}; border-color: ${success}; }
.hb-action--warning { color: ${warning}; border-color: ${warning}; }
.hb-action--danger { color: ${danger}; border-color: ${danger}; }
`;

/** Adds the stylesheet once, however many components or plugin instances ask. */
export function ensureStyles(): void {
    if (typeof document === 'undefined' || document.getElementById(STYLE_ELEMENT_ID)) {
        return;
    }
    const style = document.createElement('style');
    style.id = STYLE_ELEMENT_ID;
    style.textContent = CSS;
    document.head.appendChild(style);
}

export function removeStyles(): void {
    document.getElementById(STYLE_ELEMENT_ID)?.remove();
}
