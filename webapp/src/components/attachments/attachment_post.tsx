import React, {useEffect} from 'react';

import {ensureStyles} from '../../styles';
import type {PostTypeComponentProps} from '../../types/registry';
import FormattedText from '../common/formatted_text';

import {attachmentsFromProps} from './attachment_utils';
import MessageAttachment from './message_attachment';

/**
 * Body of `custom_hookbridge` posts. Core hands the whole body to this
 * component, so the message itself is rendered here too.
 */
export default function AttachmentPost({post, isRHS}: PostTypeComponentProps) {
    useEffect(ensureStyles, []);
    const attachments = attachmentsFromProps(post?.props);

    return (
        <div className='hb-post'>
            {post?.message && (
                <FormattedText
                    className='hb-post__message'
                    text={post.message}
                    isRHS={isRHS}
                />
            )}
            {attachments.map((attachment, index) => (
                <MessageAttachment

                    // Attachments carry no stable id of their own.
                    // eslint-disable-next-line react/no-array-index-key
                    key={index}
                    attachment={attachment}
                    postId={post.id}
                    isRHS={isRHS}
                />
            ))}
        </div>
    );
}
