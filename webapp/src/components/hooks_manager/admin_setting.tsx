import React from 'react';

import type {CustomSettingProps} from '../../types/registry';

import HooksManager from './hooks_manager';

/**
 * Admin console view of the same manager. It edits hooks through the REST
 * API, never the plugin config, so it leaves onChange/save untouched.
 */
export default function AdminHooksOverview({helpText}: CustomSettingProps) {
    return (
        <div className='hb-root hb-admin'>
            <HooksManager/>
            {helpText && <div className='hb-help'>{helpText}</div>}
        </div>
    );
}
