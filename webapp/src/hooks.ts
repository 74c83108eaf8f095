import {useDispatch, useSelector} from 'react-redux';

import type {AppDispatch} from './actions';
import type {HostState} from './types';

export function useAppDispatch(): AppDispatch {
    return useDispatch<AppDispatch>();
}

export function useHostSelector<T>(selector: (state: HostState) => T): T {
    return useSelector(selector);
}
