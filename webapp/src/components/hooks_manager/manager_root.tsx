import React from 'react';

import {closeManager} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {canManageAnything, getManagerState} from '../../selectors';
import Modal from '../common/modal';

import HooksManager from './hooks_manager';

/** Root component: the manager modal, opened from the main and channel menus. */
export default function ManagerRoot() {
    const dispatch = useAppDispatch();
    const {open, channelId} = useHostSelector(getManagerState);
    const allowed = useHostSelector(canManageAnything);

    if (!open || !allowed) {
        return null;
    }

    return (
        <Modal
            title='Webhooks'
            size='large'
            onClose={() => dispatch(closeManager())}
        >
            <HooksManager channelId={channelId}/>
        </Modal>
    );
}
