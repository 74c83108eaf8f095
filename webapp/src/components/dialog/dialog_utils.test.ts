import type {DialogElement} from '@mattermost/types/integrations';

import {checkElement, errorsMatchElements, fromLocalInputValue, initialValues, resolveRelativeDate, toDateString, toDateTimeString, toSubmission} from './dialog_utils';

function el(overrides: Partial<DialogElement>): DialogElement {
    return {display_name: 'F', name: 'f', type: 'text', subtype: '', default: '', placeholder: '', help_text: '', optional: false, min_length: 0, max_length: 0, data_source: '', options: [], ...overrides} as DialogElement;
}

describe('dialog utilities', () => {
    const now = new Date(2026, 10, 22, 15, 30, 0);

    test('relative dates', () => {
        expect(toDateString(resolveRelativeDate('today', now) as Date)).toBe('2026-11-22');
        expect(toDateString(resolveRelativeDate('tomorrow', now) as Date)).toBe('2026-11-23');
        expect(toDateString(resolveRelativeDate('yesterday', now) as Date)).toBe('2026-11-21');
        expect(toDateString(resolveRelativeDate('+7d', now) as Date)).toBe('2026-11-29');
        expect(toDateString(resolveRelativeDate('-1w', now) as Date)).toBe('2026-11-15');
        expect(toDateString(resolveRelativeDate('+2m', now) as Date)).toBe('2027-01-22');
        expect((resolveRelativeDate('+2H', now) as Date).getTime() - now.getTime()).toBe(2 * 3600000);
        expect(resolveRelativeDate('2026-01-01', now)).toBeNull();
    });

    test('initial values follow defaults per type', () => {
        const values = initialValues([
            el({name: 'text', default: 'hi'}),
            el({name: 'empty'}),
            el({name: 'flag', type: 'bool', default: 'True'}),
            el({name: 'off', type: 'bool'}),
            el({name: 'multi', type: 'select', multiselect: true, default: 'a, b'}),
            el({name: 'day', type: 'date', default: 'tomorrow'}),
            el({name: 'when', type: 'datetime', default: '2026-12-01T10:00:00Z'}),
        ], now);
        expect(values).toEqual({
            text: 'hi',
            empty: null,
            flag: true,
            off: false,
            multi: ['a', 'b'],
            day: '2026-11-23',
            when: '2026-12-01T10:00:00Z',
        });
    });

    test('checks mirror core', () => {
        expect(checkElement(el({}), null)).toBe('This field is required.');
        expect(checkElement(el({optional: true}), '')).toBeNull();
        expect(checkElement(el({type: 'bool'}), false)).toBeNull();
        expect(checkElement(el({max_length: 2}), 'abc')).toBe('Maximum input length is 2.');
        expect(checkElement(el({subtype: 'number'}), '12x')).toBe('Must be a number.');
        expect(checkElement(el({type: 'radio', options: [{text: 'A', value: 'a'}]}), 'z')).toBe('Must be a valid option.');
        expect(checkElement(el({type: 'date'}), '12/01/2026')).toMatch(/YYYY-MM-DD/);
        expect(checkElement(el({type: 'datetime'}), '2026-12-01T10:00:00Z')).toBeNull();
        expect(checkElement(el({type: 'select', multiselect: true}), [])).toBe('This field is required.');
    });

    test('submission converts numbers and drops empty ones', () => {
        expect(toSubmission([el({name: 'n', subtype: 'number'}), el({name: 'e', subtype: 'number', optional: true}), el({name: 't'})], {n: '4.5', e: '', t: null})).toEqual({n: 4.5, t: null});
    });

    test('datetime conversions round-trip through local input values', () => {
        const stored = fromLocalInputValue('2026-12-01T09:30');
        expect(stored).toBe(toDateTimeString(new Date(2026, 11, 1, 9, 30)));
        expect(fromLocalInputValue('')).toBe('');
    });

    test('errorsMatchElements', () => {
        expect(errorsMatchElements({a: 'x'}, [el({name: 'a'})])).toBe(true);
        expect(errorsMatchElements({b: 'x'}, [el({name: 'a'})])).toBe(false);
        expect(errorsMatchElements(undefined, [el({name: 'a'})])).toBe(false);
    });
});
