import React from 'react';

import type {MessageAttachment as Attachment} from '@mattermost/types/message_attachments';

import FormattedText from '../common/formatted_text';

import AttachmentActions from './attachment_actions';
import {attachmentColor, fieldRows, fieldValueText, isSafeUrl, MAX_FOOTER_LENGTH, truncate} from './attachment_utils';

type Props = {
    attachment: Attachment;
    postId: string;
    isRHS?: boolean;
};

function str(value: unknown): string {
    return typeof value === 'string' ? value : '';
}

function ExternalLink({href, children, className}: {href: string; children: React.ReactNode; className?: string}) {
    return (
        <a
            href={href}
            className={className}
            target='_blank'
            rel='noopener noreferrer'
        >
            {children}
        </a>
    );
}

/** An image named by the payload; rendered only when isSafeUrl accepts its URL. */
function SafeImage({src, className, alt = ''}: {src: unknown; className: string; alt?: string}) {
    if (!isSafeUrl(src)) {
        return null;
    }
    return (
        <img
            className={className}
            src={src}
            alt={alt}
        />
    );
}

/** One Slack-style attachment, laid out like core's MessageAttachment. */
export default function MessageAttachment({attachment, postId, isRHS}: Props) {
    const color = attachmentColor(attachment.color);
    const pretext = str(attachment.pretext);
    const authorName = str(attachment.author_name);
    const title = str(attachment.title);
    const text = str(attachment.text);
    const footer = str(attachment.footer);
    const rows = fieldRows(attachment.fields);
    const actions = Array.isArray(attachment.actions) ? attachment.actions : [];

    return (
        <div
            className='hb-attachment'
            data-testid='attachment'
        >
            {pretext && (
                <FormattedText
                    className='hb-attachment__pretext'
                    text={pretext}
                    isRHS={isRHS}
                />
            )}
            <div
                className={`hb-attachment__container${color.className ? ` ${color.className}` : ''}`}
                style={color.style}
                data-testid='attachment-container'
            >
                <SafeImage
                    className='hb-attachment__thumb'
                    src={attachment.thumb_url}
                />
                {authorName && (
                    <div className='hb-attachment__author'>
                        <SafeImage
                            className='hb-attachment__author-icon'
                            src={attachment.author_icon}
                        />
                        {isSafeUrl(attachment.author_link) ? (
                            <ExternalLink href={attachment.author_link}>{authorName}</ExternalLink>
                        ) : <span>{authorName}</span>}
                    </div>
                )}
                {title && (
                    <h4 className='hb-attachment__title'>
                        {isSafeUrl(attachment.title_link) ? (
                            <ExternalLink href={attachment.title_link}>{title}</ExternalLink>
                        ) : title}
                    </h4>
                )}
                {text && (
                    <FormattedText
                        className='hb-attachment__text'
                        text={text}
                        isRHS={isRHS}
                    />
                )}
                {rows.length > 0 && (
                    <div className='hb-attachment__fields'>
                        {rows.map((row, rowIndex) => (
                            <div

                                // Fields have no ids; their order is their identity.
                                // eslint-disable-next-line react/no-array-index-key
                                key={rowIndex}
                                className='hb-attachment__field-row'
                                data-testid='attachment-field-row'
                            >
                                {row.map(({field, short}, i) => (
                                    <div

                                        // eslint-disable-next-line react/no-array-index-key
                                        key={i}
                                        className={`hb-attachment__field${short ? ' hb-attachment__field--short' : ''}`}
                                    >
                                        {field.title && <div className='hb-attachment__field-title'>{str(field.title)}</div>}
                                        <FormattedText
                                            className='hb-attachment__field-value'
                                            text={fieldValueText(field.value)}
                                            isRHS={isRHS}
                                        />
                                    </div>
                                ))}
                            </div>
                        ))}
                    </div>
                )}
                <SafeImage
                    className='hb-attachment__image'
                    src={attachment.image_url}
                    alt={title || 'Attached image'}
                />
                {footer && (
                    <div className='hb-attachment__footer'>
                        <SafeImage
                            className='hb-attachment__footer-icon'
                            src={attachment.footer_icon}
                        />
                        <span>{truncate(footer, MAX_FOOTER_LENGTH)}</span>
                    </div>
                )}
                {actions.length > 0 && (
                    <AttachmentActions
                        actions={actions}
                        postId={postId}
                    />
                )}
            </div>
        </div>
    );
}
