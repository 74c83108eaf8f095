import React from 'react';
import {render, screen, within} from '@testing-library/react';

import {makeChannel, renderWithRedux} from '../../testlib/test_utils';

import {channelName, OptionList, useDataSourceOptions} from './select_options';

function SourceSelect({dataSource}: {dataSource?: string}) {
    const options = useDataSourceOptions(dataSource);
    if (!options) {
        return <p>{'static options'}</p>;
    }
    return (
        <select aria-label='Pick'>
            <OptionList options={options}/>
        </select>
    );
}

function optionTexts(): string[] {
    return within(screen.getByRole('combobox', {name: 'Pick'})).getAllByRole('option').map((o) => o.textContent ?? '');
}

describe('select options', () => {
    test('channelName falls back to the handle', () => {
        expect(channelName({display_name: 'Town Square', name: 'town-square'})).toBe('Town Square');
        expect(channelName({display_name: '', name: 'town-square'})).toBe('town-square');
    });

    test('OptionList renders one option per entry', () => {
        render(
            <select aria-label='Pick'>
                <OptionList options={[{text: 'Low', value: 'low'}, {text: 'High', value: 'high'}]}/>
            </select>,
        );
        expect(optionTexts()).toEqual(['Low', 'High']);
        expect(screen.getByRole('option', {name: 'High'})).toHaveAttribute('value', 'high');
    });

    test('users are listed by username with their full name', () => {
        renderWithRedux(<SourceSelect dataSource='users'/>);
        expect(optionTexts()).toEqual(['@alice (Alice Liddell)', '@bob (Bob)']);
        expect(screen.getByRole('option', {name: '@bob (Bob)'})).toHaveAttribute('value', 'user2');
    });

    test('channels are those of the current team, by name', () => {
        renderWithRedux(<SourceSelect dataSource='channels'/>, {initialState: {entities: {
            teams: {currentTeamId: 'team1'},
            channels: {channels: {
                chan1: makeChannel(),
                chan2: makeChannel({id: 'chan2', name: 'dev', display_name: ''}),
                other: makeChannel({id: 'other', team_id: 'team2', display_name: 'Elsewhere'}),
            }},
        }}});
        expect(optionTexts()).toEqual(['dev', 'Town Square']);
    });

    test('any other source leaves the options to the caller', () => {
        renderWithRedux(<SourceSelect dataSource='dynamic'/>);
        expect(screen.getByText('static options')).toBeInTheDocument();
    });
});
