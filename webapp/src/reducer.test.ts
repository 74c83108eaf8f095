import {ActionTypes} from './action_types';
import reducer, {MAX_DELIVERIES_PER_HOOK} from './reducer';
import {initialPluginState} from './selectors';
import {adminMe, makeDelivery, makeIncomingHook, makeOutgoingHook} from './testlib/test_utils';
import type {PluginState} from './types';

function reduce(state: PluginState | undefined, action: Record<string, unknown>): PluginState {
    return reducer(state, action as never);
}

describe('reducer', () => {
    test('starts from the initial state and ignores foreign actions', () => {
        const state = reduce(undefined, {type: '@@INIT'});
        expect(state).toEqual(initialPluginState);
        expect(reduce(state, {type: 'SOMETHING_ELSE'})).toBe(state);
    });

    test('stores /me and marks it loaded', () => {
        const state = reduce(undefined, {type: ActionTypes.RECEIVED_ME, data: adminMe});
        expect(state.me).toEqual(adminMe);
        expect(state.meLoaded).toBe(true);
    });

    test('a team listing replaces that team only', () => {
        let state = reduce(undefined, {
            type: ActionTypes.RECEIVED_INCOMING_HOOKS,
            teamId: 'team1',
            replace: true,
            data: [makeIncomingHook({id: 'a'}), makeIncomingHook({id: 'b'}), makeIncomingHook({id: 'other', team_id: 'team2'})],
        });
        state = reduce(state, {type: ActionTypes.RECEIVED_INCOMING_HOOKS, teamId: 'team1', replace: true, data: [makeIncomingHook({id: 'a'})]});
        expect(Object.keys(state.incomingHooks).sort()).toEqual(['a', 'other']);
    });

    test('single hooks are upserted and removed', () => {
        let state = reduce(undefined, {type: ActionTypes.RECEIVED_OUTGOING_HOOK, data: makeOutgoingHook({id: 'x', display_name: 'one'})});
        state = reduce(state, {type: ActionTypes.RECEIVED_OUTGOING_HOOK, data: makeOutgoingHook({id: 'x', display_name: 'two'})});
        expect(state.outgoingHooks.x.display_name).toBe('two');
        state = reduce(state, {type: ActionTypes.REMOVED_OUTGOING_HOOK, id: 'x'});
        expect(state.outgoingHooks).toEqual({});

        state = reduce(state, {type: ActionTypes.RECEIVED_INCOMING_HOOK, data: makeIncomingHook({id: 'i'})});
        expect(state.incomingHooks.i).toBeDefined();
        const same = reduce(state, {type: ActionTypes.REMOVED_INCOMING_HOOK, id: 'missing'});
        expect(same.incomingHooks).toBe(state.incomingHooks);
        state = reduce(state, {type: ActionTypes.REMOVED_INCOMING_HOOK, id: 'i'});
        expect(state.incomingHooks).toEqual({});
    });

    test('deliveries are kept newest first, paged and live-updated', () => {
        let state = reduce(undefined, {
            type: ActionTypes.RECEIVED_DELIVERIES,
            hookId: 'out1',
            append: false,
            data: [makeDelivery({id: 'old', created_at: 1}), makeDelivery({id: 'new', created_at: 3})],
        });
        expect(state.deliveries.out1.map((d) => d.id)).toEqual(['new', 'old']);

        state = reduce(state, {type: ActionTypes.RECEIVED_DELIVERIES, hookId: 'out1', append: true, data: [makeDelivery({id: 'older', created_at: 0})]});
        expect(state.deliveries.out1.map((d) => d.id)).toEqual(['new', 'old', 'older']);

        state = reduce(state, {type: ActionTypes.RECEIVED_DELIVERY, data: makeDelivery({id: 'live', created_at: 5, status: 'pending'})});
        expect(state.deliveries.out1[0].id).toBe('live');

        state = reduce(state, {type: ActionTypes.RECEIVED_DELIVERY, data: makeDelivery({id: 'live', created_at: 5, status: 'failed', error: 'boom'})});
        expect(state.deliveries.out1).toHaveLength(4);
        expect(state.deliveries.out1[0]).toMatchObject({status: 'failed', error: 'boom'});
    });

    test('live deliveries are capped', () => {
        let state = reduce(undefined, {type: ActionTypes.RECEIVED_DELIVERIES, hookId: 'h', append: false, data: []});
        for (let i = 0; i < MAX_DELIVERIES_PER_HOOK + 5; i++) {
            state = reduce(state, {type: ActionTypes.RECEIVED_DELIVERY, data: makeDelivery({id: `d${i}`, hook_id: 'h', created_at: i})});
        }
        expect(state.deliveries.h).toHaveLength(MAX_DELIVERIES_PER_HOOK);
        expect(state.deliveries.h[0].id).toBe(`d${MAX_DELIVERIES_PER_HOOK + 4}`);
    });

    test('delivery details are stored and patched by live events', () => {
        let state = reduce(undefined, {type: ActionTypes.RECEIVED_DELIVERY_DETAIL, data: makeDelivery({id: 'd', request: {url: 'u', headers: {}, body: '{}'}})});
        expect(state.deliveryDetails.d.request?.url).toBe('u');

        // A detail for a log that was never listed does not create one.
        expect(state.deliveries.out1).toBeUndefined();

        state = reduce(state, {type: ActionTypes.RECEIVED_DELIVERY, data: makeDelivery({id: 'd', status: 'failed'})});
        expect(state.deliveryDetails.d).toMatchObject({status: 'failed', request: {url: 'u'}});
    });

    test('stats are stored per hook and dropped with the hook', () => {
        let state = reduce(undefined, {type: ActionTypes.RECEIVED_STATS, hookId: 'h', data: {buckets: [{start: 1, total: 1, ok: 1, failed: 0, p50_ms: 1, p95_ms: 2}]}});
        expect(state.stats.h).toHaveLength(1);
        state = reduce(state, {type: ActionTypes.RECEIVED_STATS, hookId: 'h', data: {}});
        expect(state.stats.h).toEqual([]);
        state = reduce(state, {type: ActionTypes.REMOVED_OUTGOING_HOOK, id: 'h'});
        expect(state.stats.h).toBeUndefined();
    });

    test('manager and dialog open and close', () => {
        let state = reduce(undefined, {type: ActionTypes.OPEN_MANAGER, channelId: 'c1'});
        expect(state.manager).toEqual({open: true, channelId: 'c1'});
        state = reduce(state, {type: ActionTypes.CLOSE_MANAGER});
        expect(state.manager).toEqual({open: false, channelId: null});

        const dialog = {url: '/plugins/x/submit', dialog: {title: 'T'}};
        state = reduce(state, {type: ActionTypes.OPEN_DIALOG, data: dialog});
        expect(state.dialog).toBe(dialog);
        state = reduce(state, {type: ActionTypes.CLOSE_DIALOG});
        expect(state.dialog).toBeNull();
    });
});
