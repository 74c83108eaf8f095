// Live updates: Server-Sent Events carrying Mattermost WebSocket messages.

export interface SocketMessage {
  event: string;
  data: Record<string, unknown>;
  broadcast: Record<string, unknown>;
  seq: number;
}

/** Connects and keeps connecting; `onReconnect` runs after every reconnection (not the first). */
export function connectEvents(onMessage: (m: SocketMessage) => void, onReconnect: () => void, onStatus: (connected: boolean) => void): () => void {
  let source: EventSource | null = null;
  let opened = false;
  let closed = false;
  let retry: number | undefined;
  const open = (): void => {
    if (closed) return;
    source = new EventSource('/api/v4/events');
    source.onopen = () => {
      onStatus(true);
      if (opened) onReconnect();
      opened = true;
    };
    source.onmessage = (e: MessageEvent<string>) => {
      try {
        onMessage(JSON.parse(e.data) as SocketMessage);
      } catch (err) {
        console.error('bad event', err);
      }
    };
    source.onerror = () => {
      onStatus(false);
      // EventSource retries by itself unless the server refused (e.g. 401): then back off and start over.
      if (source?.readyState === EventSource.CLOSED) {
        source = null;
        retry = window.setTimeout(open, 3000);
      }
    };
  };
  open();
  return () => {
    closed = true;
    window.clearTimeout(retry);
    source?.close();
  };
}
