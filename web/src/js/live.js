// The campaign's live stream: GET /v1/campaigns/{id}/live, Server-Sent Events whose `stats`
// events carry the campaign's figures (as GET .../stats) plus `at` and `retries`.
//
// EventSource reconnects by itself after a dropped connection; when the server refused the
// stream outright (401, 404: readyState CLOSED) it does not, and `onClosed` lets the page ask
// the API why, then `reopen()`.

export function openLive(campaignId, {onStats, onStatus, onClosed}) {
  const url = `/v1/campaigns/${encodeURIComponent(campaignId)}/live`;
  let source = null;
  let stopped = false;

  function connect() {
    onStatus?.('connecting');
    source = new EventSource(url); // same origin: the session cookie goes along
    source.addEventListener('open', () => onStatus?.('live'));
    source.addEventListener('stats', (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return; // a torn event: the next one carries the whole picture again
      }
      onStatus?.('live');
      onStats(data);
    });
    source.addEventListener('error', () => {
      if (stopped) return;
      if (source.readyState === EventSource.CLOSED) {
        onStatus?.('closed');
        onClosed?.();
      } else {
        onStatus?.('reconnecting');
      }
    });
  }

  connect();
  return {
    reopen() {
      if (stopped) return;
      source?.close();
      connect();
    },
    close() {
      stopped = true;
      source?.close();
    },
  };
}
