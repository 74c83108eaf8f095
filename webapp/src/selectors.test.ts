import {
    canManageAnything,
    createSelector,
    getChannels,
    getCurrentChannelId,
    getCurrentTeamId,
    getCurrentUserId,
    getPluginState,
    getSiteURL,
    getSortedTeams,
    getSortedUserOptions,
    getStats,
    initialPluginState,
    makeGetIncomingHooksForTeam,
    makeGetOutgoingHooksForTeam,
    makeGetTeamChannels,
} from './selectors';
import {adminMe, defaultHostState, makeChannel, makeIncomingHook, makeOutgoingHook, makeTeam} from './testlib/test_utils';
import type {HostState} from './types';

describe('selectors over a minimal host store', () => {
    test('an empty store yields safe defaults', () => {
        const state: HostState = {};
        expect(getPluginState(state)).toBe(initialPluginState);
        expect(getSiteURL(state)).toBe('');
        expect(getCurrentTeamId(state)).toBe('');
        expect(getCurrentChannelId(state)).toBe('');
        expect(getCurrentUserId(state)).toBe('');
        expect(getChannels(state)).toEqual({});
        expect(getSortedTeams(state)).toEqual([]);
        expect(getSortedUserOptions(state)).toEqual([]);
        expect(canManageAnything(state)).toBe(false);
        expect(getStats(state, 'x')).toBe(getStats(state, 'y'));
    });

    test('partial entities are tolerated', () => {
        const state: HostState = {entities: {teams: {currentTeamId: 't'}}};
        expect(getCurrentTeamId(state)).toBe('t');
        expect(getSortedTeams(state)).toEqual([]);
    });

    test('reads the host paths', () => {
        const state = defaultHostState();
        expect(getSiteURL(state)).toBe('http://localhost:8065');
        expect(getCurrentTeamId(state)).toBe('team1');
        expect(getCurrentUserId(state)).toBe('user1');
        expect(canManageAnything(state)).toBe(true);
    });
});

describe('derived selectors', () => {
    test('teams are sorted by name and skip deleted ones', () => {
        const state: HostState = {entities: {teams: {teams: {
            b: makeTeam({id: 'b', display_name: 'beta'}),
            a: makeTeam({id: 'a', display_name: 'Alpha'}),
            z: makeTeam({id: 'z', display_name: 'Zed', delete_at: 5}),
        }}}};
        expect(getSortedTeams(state).map((t) => t.id)).toEqual(['a', 'b']);
    });

    test('team channels exclude DMs, other teams and deleted channels', () => {
        const state: HostState = {entities: {channels: {channels: {
            c1: makeChannel({id: 'c1', display_name: 'Zulu'}),
            c2: makeChannel({id: 'c2', display_name: 'alpha', type: 'P'}),
            dm: makeChannel({id: 'dm', team_id: '', type: 'D'}),
            other: makeChannel({id: 'other', team_id: 'team2'}),
            gone: makeChannel({id: 'gone', delete_at: 1}),
        }}}};
        const select = makeGetTeamChannels();
        const result = select(state, 'team1');
        expect(result.map((c) => c.id)).toEqual(['c2', 'c1']);
        expect(select(state, 'team1')).toBe(result);
        expect(select(state, 'team2').map((c) => c.id)).toEqual(['other']);
    });

    test('hooks per team are sorted and memoised', () => {
        const state: HostState = {
            'plugins-hookbridge': {
                ...initialPluginState,
                me: adminMe,
                incomingHooks: {
                    a: makeIncomingHook({id: 'a', display_name: 'b'}),
                    b: makeIncomingHook({id: 'b', display_name: 'A'}),
                    c: makeIncomingHook({id: 'c', team_id: 'other'}),
                },
                outgoingHooks: {o: makeOutgoingHook({id: 'o'})},
            },
        };
        const select = makeGetIncomingHooksForTeam();
        const first = select(state, 'team1');
        expect(first.map((h) => h.id)).toEqual(['b', 'a']);
        expect(select(state, 'team1')).toBe(first);
        expect(makeGetOutgoingHooksForTeam()(state, 'team1').map((h) => h.id)).toEqual(['o']);
    });

    test('users are listed by username with full names', () => {
        const state = defaultHostState();
        expect(getSortedUserOptions(state)).toEqual([
            {id: 'user1', username: 'alice', label: '@alice (Alice Liddell)'},
            {id: 'user2', username: 'bob', label: '@bob (Bob)'},
        ]);
    });

    test('createSelector recomputes only when inputs change', () => {
        const combine = jest.fn((a: number, b: number) => ({sum: a + b}));
        const select = createSelector<{a: number; b: number}, [number, number], {sum: number}>([(s) => s.a, (s) => s.b], combine);
        const r1 = select({a: 1, b: 2});
        expect(select({a: 1, b: 2})).toBe(r1);
        expect(select({a: 2, b: 2})).toEqual({sum: 4});
        expect(combine).toHaveBeenCalledTimes(2);
    });
});
