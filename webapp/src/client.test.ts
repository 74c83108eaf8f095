import * as Client from './client';
import {ClientError} from './client';
import {API, makeIncomingHook, mockFetch, mockResponse} from './testlib/test_utils';

function setCookie(value: string) {
    Object.defineProperty(document, 'cookie', {configurable: true, get: () => value});
}

describe('client', () => {
    beforeEach(() => {
        Client.setSiteURLGetter(() => '');
        setCookie('');
    });

    test('builds URLs from the site URL path', () => {
        Client.setSiteURLGetter(() => 'https://chat.example.com/team-chat/');
        expect(Client.getPluginApiBase()).toBe('/team-chat/plugins/hookbridge/api/v1');
        expect(Client.getMattermostApiBase()).toBe('/team-chat/api/v4');
        Client.setSiteURLGetter(() => '');
        expect(Client.getPluginApiBase()).toBe('/plugins/hookbridge/api/v1');
    });

    test('GET sends XHR header and same-origin credentials but no CSRF token', async () => {
        setCookie('MMCSRF=csrf-token; other=1');
        const {calls} = mockFetch({[`GET ${API}/hooks/incoming`]: {body: [makeIncomingHook()]}});
        const hooks = await Client.listIncomingHooks('team1', 2, 20);
        expect(hooks).toHaveLength(1);
        expect(calls[0].url).toBe(`${API}/hooks/incoming?team_id=team1&page=2&per_page=20`);
        expect(calls[0].method).toBe('GET');
        expect(calls[0].credentials).toBe('same-origin');
        expect(calls[0].headers['X-Requested-With']).toBe('XMLHttpRequest');
        expect(calls[0].headers['X-CSRF-Token']).toBeUndefined();
    });

    test('non-GET requests carry the CSRF token and a JSON body', async () => {
        setCookie('foo=bar; MMCSRF=csrf-token');
        const {calls} = mockFetch({[`POST ${API}/hooks/incoming`]: {status: 201, body: makeIncomingHook({id: 'new'})}});
        const created = await Client.createIncomingHook({...makeIncomingHook(), id: undefined} as never);
        expect(created.id).toBe('new');
        expect(calls[0].method).toBe('POST');
        expect(calls[0].headers['X-CSRF-Token']).toBe('csrf-token');
        expect(calls[0].headers['Content-Type']).toBe('application/json');
        expect(calls[0].body).toMatchObject({display_name: 'Build bot'});
    });

    test.each([
        ['getIncomingHook', () => Client.getIncomingHook('a b'), 'GET', `${API}/hooks/incoming/a%20b`],
        ['updateIncomingHook', () => Client.updateIncomingHook('i1', {} as never), 'PUT', `${API}/hooks/incoming/i1`],
        ['deleteIncomingHook', () => Client.deleteIncomingHook('i1'), 'DELETE', `${API}/hooks/incoming/i1`],
        ['regenIncomingSecret', () => Client.regenIncomingSecret('i1'), 'POST', `${API}/hooks/incoming/i1/regen_secret`],
        ['listOutgoingHooks', () => Client.listOutgoingHooks('t', 'c'), 'GET', `${API}/hooks/outgoing?team_id=t&channel_id=c&page=0&per_page=100`],
        ['getOutgoingHook', () => Client.getOutgoingHook('o1'), 'GET', `${API}/hooks/outgoing/o1`],
        ['createOutgoingHook', () => Client.createOutgoingHook({} as never), 'POST', `${API}/hooks/outgoing`],
        ['updateOutgoingHook', () => Client.updateOutgoingHook('o1', {} as never), 'PUT', `${API}/hooks/outgoing/o1`],
        ['deleteOutgoingHook', () => Client.deleteOutgoingHook('o1'), 'DELETE', `${API}/hooks/outgoing/o1`],
        ['regenOutgoingToken', () => Client.regenOutgoingToken('o1'), 'POST', `${API}/hooks/outgoing/o1/regen_token`],
        ['regenOutgoingSecret', () => Client.regenOutgoingSecret('o1'), 'POST', `${API}/hooks/outgoing/o1/regen_secret`],
        ['testOutgoingHook', () => Client.testOutgoingHook('o1'), 'POST', `${API}/hooks/outgoing/o1/test`],
        ['listDeliveries', () => Client.listDeliveries('o1', 1, 10), 'GET', `${API}/hooks/outgoing/o1/deliveries?page=1&per_page=10`],
        ['getDelivery', () => Client.getDelivery('d1'), 'GET', `${API}/deliveries/d1`],
        ['replayDelivery', () => Client.replayDelivery('d1'), 'POST', `${API}/deliveries/d1/replay`],
        ['getHookStats', () => Client.getHookStats('o1'), 'GET', `${API}/hooks/outgoing/o1/stats`],
        ['getMe', () => Client.getMe(), 'GET', `${API}/me`],
    ])('%s calls the contract route', async (_name, call, method, url) => {
        const fn = jest.fn(async () => mockResponse({body: {}}));
        globalThis.fetch = fn as unknown as typeof fetch;
        await call();
        expect(fn).toHaveBeenCalledWith(url, expect.objectContaining({method}));
    });

    test('PUT bodies carry the path id', async () => {
        const {calls} = mockFetch({[`PUT ${API}/hooks/outgoing/o1`]: {body: {}}});
        await Client.updateOutgoingHook('o1', {display_name: 'x'} as never);
        expect(calls[0].body).toEqual({display_name: 'x', id: 'o1'});
    });

    test('maps server errors, including the field', async () => {
        mockFetch({[`POST ${API}/hooks/outgoing`]: {status: 400, body: {
            id: 'hookbridge.outgoing.callback_urls.invalid',
            message: 'Invalid callback URL',
            detailed_error: 'parse error',
            status_code: 400,
            field: 'callback_urls',
        }}});
        const error = await Client.createOutgoingHook({} as never).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ClientError);
        expect(error).toMatchObject({
            message: 'Invalid callback URL',
            status_code: 400,
            server_error_id: 'hookbridge.outgoing.callback_urls.invalid',
            detailed_error: 'parse error',
            field: 'callback_urls',
        });
    });

    test('non-JSON errors and network failures still produce a message', async () => {
        globalThis.fetch = jest.fn(async () => mockResponse({status: 502, body: '<html>Bad gateway</html>'})) as unknown as typeof fetch;
        await expect(Client.getMe()).rejects.toMatchObject({message: 'Request failed with status 502.', status_code: 502});

        globalThis.fetch = jest.fn(async () => {
            throw new TypeError('Failed to fetch');
        }) as unknown as typeof fetch;
        await expect(Client.getMe()).rejects.toMatchObject({message: 'Could not reach the server.', detailed_error: 'Failed to fetch', status_code: 0});
    });

    test('empty success bodies resolve', async () => {
        mockFetch({[`DELETE ${API}/hooks/incoming/i1`]: {status: 204}});
        await expect(Client.deleteIncomingHook('i1')).resolves.toBeUndefined();
    });

    describe('Mattermost endpoints', () => {
        test('post actions send {} or the selected option and cookie', async () => {
            setCookie('MMCSRF=t');
            const {calls} = mockFetch({
                'POST /api/v4/posts/p1/actions/a1': {body: {status: 'OK', ephemeral_text: 'Done'}},
            });
            await expect(Client.doPostAction('p1', 'a1')).resolves.toEqual({status: 'OK', ephemeral_text: 'Done'});
            await Client.doPostAction('p1', 'a1', 'opt', 'cookie-value');
            expect(calls[0].body).toEqual({});
            expect(calls[1].body).toEqual({selected_option: 'opt', cookie: 'cookie-value'});
            expect(calls[1].headers['X-CSRF-Token']).toBe('t');
        });

        test('dialog submission posts to the dialogs endpoint', async () => {
            const {calls} = mockFetch({'POST /api/v4/actions/dialogs/submit': {}});
            const request = {url: 'u', callback_id: 'c', state: 's', user_id: 'u1', channel_id: 'ch', team_id: 't', submission: {a: '1'}, cancelled: false};
            await expect(Client.submitDialog(request)).resolves.toEqual({});
            expect(calls[0].body).toEqual(request);
        });

        test('dynamic lookups go straight to plugin paths and through the proxy otherwise', async () => {
            const {calls} = mockFetch({
                'POST /plugins/other/lookup': {body: {items: [{text: 'A', value: 'a'}, {text: 'bad'}]}},
                'POST /api/v4/actions/dialogs/lookup': {body: {items: [{text: 'B', value: 'b'}]}},
            });
            const base = {callback_id: 'c', state: '', user_id: 'u', channel_id: 'ch', team_id: 't', submission: {query: 'x'}};
            await expect(Client.lookupDialogOptions('/plugins/other/lookup', base)).resolves.toEqual([{text: 'A', value: 'a'}]);
            await expect(Client.lookupDialogOptions('https://ext.example.com/lookup', base)).resolves.toEqual([{text: 'B', value: 'b'}]);
            expect(calls[0].body).toMatchObject({type: 'dialog_lookup', submission: {query: 'x'}});
            expect(calls[1].body).toMatchObject({url: 'https://ext.example.com/lookup', type: 'dialog_lookup'});
        });
    });
});
