import type React from 'react';
import type {Reducer} from 'redux';

import type {Post} from '@mattermost/types/posts';

// The host does not publish its PluginRegistry type, so only the methods this
// plugin calls are declared here. Every method also accepts its arguments as a
// single object; the positional form is the one used.

export type UniqueIdentifier = string;

export type PostTypeComponentProps = {
    post: Post;
    isRHS?: boolean;
    compactDisplay?: boolean;
    theme?: Record<string, string>;
};

/** Props the admin console passes to a `type: "custom"` setting component. */
export type CustomSettingProps = {
    id: string;
    label?: string;
    helpText?: React.ReactNode;
    value?: unknown;
    disabled?: boolean;
    setByEnv?: boolean;
    onChange?: (id: string, value: unknown) => void;
    setSaveNeeded?: () => void;
    registerSaveAction?: (action: () => Promise<{error?: {message?: string}}>) => void;
    unRegisterSaveAction?: (action: () => Promise<{error?: {message?: string}}>) => void;
};

export type WebSocketHandler = (msg: {event: string; data: Record<string, unknown>; broadcast?: unknown; seq?: number}) => void;

export interface PluginRegistry {
    registerReducer(reducer: Reducer): void;
    registerRootComponent(component: React.ElementType): UniqueIdentifier;
    registerPostTypeComponent(typeName: string, component: React.ElementType<PostTypeComponentProps>): UniqueIdentifier;
    registerAdminConsoleCustomSetting(key: string, component: React.ElementType<CustomSettingProps>, options?: {showTitle?: boolean}): void;
    registerMainMenuAction(text: React.ReactNode, action: () => void, mobileIcon?: React.ReactNode): UniqueIdentifier;
    registerChannelHeaderMenuAction(text: React.ReactNode, action: (channelId: string) => void, shouldRender?: (state: unknown) => boolean): UniqueIdentifier;
    registerWebSocketEventHandler(event: string, handler: WebSocketHandler): void;
    registerReconnectHandler(handler: () => void): void;
    unregisterComponent(componentId: UniqueIdentifier): void;
}

export interface PluginInstance {
    initialize(registry: PluginRegistry, store: unknown): void | Promise<void>;
    uninitialize?(): void;
}

declare global {
    interface Window {
        registerPlugin(pluginId: string, plugin: PluginInstance): void;
    }
}
