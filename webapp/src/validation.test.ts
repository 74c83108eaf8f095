import {makeIncomingInput, makeOutgoingInput} from './testlib/test_utils';
import {cleanList, hasErrors, isAbsoluteHttpURL, regexError, utf8Length, validateIncoming, validateOutgoing} from './validation';

describe('helpers', () => {
    test('utf8Length counts bytes', () => {
        expect(utf8Length('abc')).toBe(3);
        expect(utf8Length('é')).toBe(2);
        expect(utf8Length('€')).toBe(3);
        expect(utf8Length('😀')).toBe(4);
    });

    test('isAbsoluteHttpURL accepts only absolute http(s)', () => {
        expect(isAbsoluteHttpURL('https://example.com/x')).toBe(true);
        expect(isAbsoluteHttpURL('http://10.0.0.1:8080')).toBe(true);
        expect(isAbsoluteHttpURL('ftp://example.com')).toBe(false);
        expect(isAbsoluteHttpURL('/relative')).toBe(false);
        expect(isAbsoluteHttpURL('example.com')).toBe(false);
        expect(isAbsoluteHttpURL('javascript:alert(1)')).toBe(false);
    });

    test('regexError reports compile errors', () => {
        expect(regexError('^deploy\\s+\\w+$', false)).toBe('');
        expect(regexError('(unclosed', true)).not.toBe('');
    });

    test('cleanList trims and drops blanks', () => {
        expect(cleanList([' a ', '', '  ', 'b'])).toEqual(['a', 'b']);
    });
});

describe('validateOutgoing', () => {
    test('a valid hook has no errors', () => {
        expect(hasErrors(validateOutgoing(makeOutgoingInput()))).toBe(false);
    });

    test('length limits are in bytes', () => {
        const errors = validateOutgoing(makeOutgoingInput({
            display_name: 'é'.repeat(33),
            description: 'x'.repeat(501),
            username: 'u'.repeat(65),
            icon_url: `https://x/${'a'.repeat(1020)}`,
        }));
        expect(Object.keys(errors).sort()).toEqual(['description', 'display_name', 'icon_url', 'username']);
        expect(validateOutgoing(makeOutgoingInput({display_name: 'é'.repeat(32)})).display_name).toBeUndefined();
    });

    test('team is required', () => {
        expect(validateOutgoing(makeOutgoingInput({team_id: ''})).team_id).toBeDefined();
    });

    test('needs a channel or a trigger word', () => {
        expect(validateOutgoing(makeOutgoingInput({trigger_words: []})).trigger_words).toMatch(/channel or add at least one trigger word/);
        expect(validateOutgoing(makeOutgoingInput({trigger_words: [], channel_id: 'c'})).trigger_words).toBeUndefined();
    });

    test('trigger words must be non-empty and without spaces', () => {
        const errors = validateOutgoing(makeOutgoingInput({trigger_words: ['ok', '', 'two words', 'tab\there']}));
        expect(errors['trigger_words.0']).toBeUndefined();
        expect(errors['trigger_words.1']).toMatch(/empty/);
        expect(errors['trigger_words.2']).toMatch(/spaces/);
        expect(errors['trigger_words.3']).toMatch(/spaces/);
    });

    test('callback URLs: at least one, absolute http(s), at most 1024 bytes', () => {
        expect(validateOutgoing(makeOutgoingInput({callback_urls: []})).callback_urls).toBeDefined();
        const errors = validateOutgoing(makeOutgoingInput({callback_urls: ['https://ok.example.com', 'ftp://x', 'nope', `https://x.example.com/${'a'.repeat(1010)}`]}));
        expect(errors['callback_urls.0']).toBeUndefined();
        expect(errors['callback_urls.1']).toMatch(/http/);
        expect(errors['callback_urls.2']).toMatch(/http/);
        expect(errors['callback_urls.3']).toMatch(/1024/);
    });

    test('regex mode needs a compiling pattern, which also stands in for trigger words', () => {
        expect(validateOutgoing(makeOutgoingInput({match: {mode: 'regex', case_insensitive: false}})).pattern).toMatch(/Enter/);
        expect(validateOutgoing(makeOutgoingInput({match: {mode: 'regex', case_insensitive: false, pattern: '(['}})).pattern).toMatch(/does not compile/);
        expect(hasErrors(validateOutgoing(makeOutgoingInput({trigger_words: [], match: {mode: 'regex', case_insensitive: true, pattern: '^go'}})))).toBe(false);
    });

    test('attempts and headers', () => {
        expect(validateOutgoing(makeOutgoingInput({max_attempts: 0})).max_attempts).toBeDefined();
        expect(validateOutgoing(makeOutgoingInput({max_attempts: 1.5})).max_attempts).toBeDefined();
        const errors = validateOutgoing(makeOutgoingInput({headers: {'X-Ok': 'v', 'Bad Name': 'v', 'X-Nl': 'a\nb'}}));
        expect(errors['headers.0']).toBeUndefined();
        expect(errors['headers.1']).toBeDefined();
        expect(errors['headers.2']).toMatch(/line breaks/);
    });
});

describe('validateIncoming', () => {
    test('a valid hook has no errors', () => {
        expect(validateIncoming(makeIncomingInput())).toEqual({});
    });

    test('channel is required and lengths are checked', () => {
        const errors = validateIncoming(makeIncomingInput({channel_id: '', display_name: 'x'.repeat(65), icon_url: 'x'.repeat(1025)}));
        expect(Object.keys(errors).sort()).toEqual(['channel_id', 'display_name', 'icon_url']);
    });

    test('rate limit must be a non-negative integer', () => {
        expect(validateIncoming(makeIncomingInput({rate_limit: {per_minute: -1}})).rate_limit).toBeDefined();
        expect(validateIncoming(makeIncomingInput({rate_limit: {per_minute: Number.NaN}})).rate_limit).toBeDefined();
        expect(validateIncoming(makeIncomingInput({rate_limit: {per_minute: 60}})).rate_limit).toBeUndefined();
    });
});
