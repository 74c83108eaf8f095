// Rendering what plugins registered: every plugin component sits behind an error
// boundary, so a plugin bug shows up as a message instead of a blank page.

import React, {useEffect, useReducer} from 'react';
import type {PluginHost, PluginRegistry} from '../registry.js';

export type Component = React.ElementType;
export type Host = PluginHost<Component>;

export const HostContext = React.createContext<Host | null>(null);

/** The plugins' registries, re-rendering whenever a plugin registers or removes something. */
export function useRegistries(): PluginRegistry<Component>[] {
  const host = React.useContext(HostContext);
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!host) return undefined;
    const unsubscribe = host.subscribe(bump);
    return () => {
      unsubscribe();
    };
  }, [host]);
  return host?.registries() ?? [];
}

interface BoundaryProps {
  name: string;
  children?: React.ReactNode;
}

export class PluginBoundary extends React.Component<BoundaryProps, {error: Error | null}> {
  override state: {error: Error | null} = {error: null};

  static getDerivedStateFromError(error: Error): {error: Error} {
    return {error};
  }

  override componentDidCatch(error: Error): void {
    console.error(`plugin component ${this.props.name} failed`, error);
  }

  override render(): React.ReactNode {
    if (this.state.error) {
      return (
        <div className='sbx-plugin-error'>
          {this.props.name} failed: {this.state.error.message}
        </div>
      );
    }
    return this.props.children;
  }
}

export function RootComponents(): React.ReactElement {
  const registries = useRegistries();
  return (
    <>
      {registries.flatMap((r) =>
        r.registered.roots.map(({id, component: C}) => (
          <PluginBoundary key={id} name={`${r.id} root component`}>
            <C />
          </PluginBoundary>
        )),
      )}
    </>
  );
}
