import React, {useRef} from 'react';

import {closeDialog} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getOpenDialog} from '../../selectors';
import type {OpenDialogPayload} from '../../types';

import InteractiveDialog from './interactive_dialog';

/** Root component showing the dialog requested through the OPEN_DIALOG action. */
export default function DialogRoot() {
    const dispatch = useAppDispatch();
    const payload = useHostSelector(getOpenDialog);
    const last = useRef<{payload: OpenDialogPayload | null; key: number}>({payload: null, key: 0});

    // Each new request gets a fresh component so no state leaks between dialogs.
    if (payload && payload !== last.current.payload) {
        last.current = {payload, key: last.current.key + 1};
    }

    if (!payload) {
        return null;
    }

    return (
        <InteractiveDialog
            key={last.current.key}
            url={payload.url}
            dialog={payload.dialog}
            triggerId={payload.trigger_id}
            onClose={() => dispatch(closeDialog())}
        />
    );
}
