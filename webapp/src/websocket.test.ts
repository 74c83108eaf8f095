import {ActionTypes} from './action_types';
import {getPluginState} from './selectors';
import {API, makeDelivery, makeOutgoingHook, makeStore, mockFetch} from './testlib/test_utils';
import {handleDelivery, handleHookChanged, handleOpenDialog, WebSocketEvents} from './websocket';
import type {AppDispatch} from './actions';

function storeFor() {
    const store = makeStore();
    return {store, like: {dispatch: store.dispatch as unknown as AppDispatch}};
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('websocket handlers', () => {
    test('event names carry the plugin prefix', () => {
        expect(WebSocketEvents).toEqual({
            HOOK_CHANGED: 'custom_hookbridge_hook_changed',
            DELIVERY: 'custom_hookbridge_delivery',
            OPEN_DIALOG: 'custom_hookbridge_open_dialog',
        });
    });

    test('hook_changed refetches created and updated hooks', async () => {
        const {store, like} = storeFor();
        const {calls} = mockFetch({[`GET ${API}/hooks/outgoing/out1`]: {body: makeOutgoingHook({display_name: 'Fresh'})}});
        handleHookChanged(like)({event: WebSocketEvents.HOOK_CHANGED, data: {kind: 'outgoing', id: 'out1', action: 'updated'}});
        await flush();
        expect(calls).toHaveLength(1);
        expect(getPluginState(store.getState()).outgoingHooks.out1.display_name).toBe('Fresh');
    });

    test('hook_changed removes deleted hooks without a request, and 404s on refetch', async () => {
        const {store, like} = storeFor();
        store.dispatch({type: ActionTypes.RECEIVED_OUTGOING_HOOK, data: makeOutgoingHook()});
        const {calls} = mockFetch({});
        handleHookChanged(like)({event: '', data: {kind: 'outgoing', id: 'out1', action: 'deleted'}});
        expect(getPluginState(store.getState()).outgoingHooks.out1).toBeUndefined();
        expect(calls).toHaveLength(0);

        store.dispatch({type: ActionTypes.RECEIVED_OUTGOING_HOOK, data: makeOutgoingHook()});
        handleHookChanged(like)({event: '', data: {kind: 'outgoing', id: 'out1', action: 'updated'}});
        await flush();
        expect(getPluginState(store.getState()).outgoingHooks.out1).toBeUndefined();
    });

    test('hook_changed ignores malformed payloads', () => {
        const {like} = storeFor();
        const {calls} = mockFetch({});
        handleHookChanged(like)({event: '', data: {kind: 'bogus' as never, id: 'x', action: 'updated'}});
        handleHookChanged(like)({event: '', data: {kind: 'incoming', action: 'updated'}});
        expect(calls).toHaveLength(0);
    });

    test('delivery events update the live log, JSON-encoded or not', () => {
        const {store, like} = storeFor();
        store.dispatch({type: ActionTypes.RECEIVED_DELIVERIES, hookId: 'out1', append: false, data: []});
        handleDelivery(like)({event: '', data: {hook_id: 'out1', delivery: makeDelivery({id: 'a'})}});
        handleDelivery(like)({event: '', data: {hook_id: 'out1', delivery: JSON.stringify(makeDelivery({id: 'b', created_at: 2e12}))}});
        handleDelivery(like)({event: '', data: {hook_id: 'out1', delivery: 'not json'}});
        expect(getPluginState(store.getState()).deliveries.out1.map((d) => d.id)).toEqual(['b', 'a']);
    });

    test('a delivery event with several deliveries updates each, skipping malformed ones', () => {
        const {store, like} = storeFor();
        store.dispatch({type: ActionTypes.RECEIVED_DELIVERIES, hookId: 'out1', append: false, data: [makeDelivery({id: 'a', status: 'pending'})]});
        handleDelivery(like)({event: '', data: {hook_id: 'out1', deliveries: [makeDelivery({id: 'a', status: 'succeeded'}), {bogus: true}, makeDelivery({id: 'c', created_at: 3e12})]}});
        handleDelivery(like)({event: '', data: {hook_id: 'out1', deliveries: JSON.stringify([makeDelivery({id: 'd', created_at: 4e12})])}});
        const shown = getPluginState(store.getState()).deliveries.out1;
        expect(shown.map((d) => d.id)).toEqual(['d', 'c', 'a']);
        expect(shown.find((d) => d.id === 'a')?.status).toBe('succeeded');
    });

    test("a team's delivery event updates each delivery's own hook", () => {
        const {store, like} = storeFor();
        store.dispatch({type: ActionTypes.RECEIVED_DELIVERIES, hookId: 'out1', append: false, data: [makeDelivery({id: 'a', hook_id: 'out1', status: 'pending'})]});
        store.dispatch({type: ActionTypes.RECEIVED_DELIVERIES, hookId: 'out2', append: false, data: []});
        handleDelivery(like)({event: '', data: {deliveries: [makeDelivery({id: 'a', hook_id: 'out1', status: 'succeeded'}), makeDelivery({id: 'b', hook_id: 'out2', created_at: 2e12})]}});
        const state = getPluginState(store.getState());
        expect(state.deliveries.out1.map((d) => [d.id, d.status])).toEqual([['a', 'succeeded']]);
        expect(state.deliveries.out2.map((d) => d.id)).toEqual(['b']);
    });

    test('open_dialog dispatches OPEN_DIALOG', () => {
        const {store, like} = storeFor();
        const dialog = {title: 'Hi', elements: []};
        handleOpenDialog(like)({event: '', data: {url: '/plugins/x/submit', dialog, trigger_id: 't1'}});
        expect(getPluginState(store.getState()).dialog).toEqual({url: '/plugins/x/submit', dialog, trigger_id: 't1'});

        handleOpenDialog(like)({event: '', data: {url: '/plugins/x/other', dialog: JSON.stringify({title: 'Encoded'})}});
        expect(getPluginState(store.getState()).dialog?.dialog.title).toBe('Encoded');

        handleOpenDialog(like)({event: '', data: {dialog}});
        expect(getPluginState(store.getState()).dialog?.url).toBe('/plugins/x/other');
    });
});
