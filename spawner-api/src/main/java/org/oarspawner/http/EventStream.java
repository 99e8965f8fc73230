package org.oarspawner.http;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;
import org.oarspawner.spawn.SpawnEvent;
import org.oarspawner.spawn.SpawnManager;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.SpawnKey;

/**
 * GET .../events: a spawn's progress as Server-Sent Events in JupyterHub's shape ({@code progress},
 * {@code message}, {@code ready} or {@code failed}). {@code Last-Event-ID} resumes after that event. The stream
 * ends after the last event (ready or a final state), and also at once when the spawn has already reached it
 * and the client has seen it, whatever Last-Event-ID says: it never stays open on a spawn that will not move.
 * Everything the stream writes runs on the request's context, in order.
 */
final class EventStream {
    private final Vertx vertx;
    private final SpawnManager spawns;

    EventStream(Vertx vertx, SpawnManager spawns) {
        this.vertx = vertx;
        this.spawns = spawns;
    }

    void handle(RoutingContext rc, SpawnKey key) {
        long last = lastEventId(rc.request().getHeader("Last-Event-ID"));
        HttpServerResponse response = rc.response();
        Context context = vertx.getOrCreateContext();
        spawns.get(key).onSuccess(v -> context.runOnContext(x -> {
            if (v.isEmpty()) {
                ApiServer.error(response, 404, "not_found", "user " + key.user() + " has no server '" + key.server() + "'", null);
                return;
            }
            response.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
            Consumer<SpawnEvent> listener = new Consumer<>() {
                @Override
                public void accept(SpawnEvent e) {
                    context.runOnContext(y -> send(response, e, this, key));
                }
            };
            response.closeHandler(y -> spawns.unsubscribe(key, listener));
            // The past events are queued on the context before any event emitted after the subscription.
            spawns.subscribe(key, last, listener).onSuccess(past -> context.runOnContext(y -> {
                writeIfOpen(response, ":ok\n\n");
                past.forEach(e -> send(response, e, listener, key));
            })).compose(past -> spawns.get(key)).onSuccess(now -> context.runOnContext(y -> {
                // Read after subscribing: an event emitted since then has been sent (and ended the stream if it
                // was the last). A spawn that is at its end already, with nothing left to send, ends the stream.
                if (now.isEmpty() || isLast(now.get().state())) {
                    close(response, listener, key);
                }
            })).onFailure(t -> context.runOnContext(y -> close(response, listener, key)));
        })).onFailure(rc::fail);
    }

    private void send(HttpServerResponse response, SpawnEvent e, Consumer<SpawnEvent> listener, SpawnKey key) {
        JsonObject data = new JsonObject().put("progress", e.progress()).put("message", e.message())
                .put("state", e.state().name().toLowerCase());
        if (e.jobId() != null) {
            data.put("jobId", e.jobId());
        }
        if (e.ready()) {
            data.put("ready", true);
            if (e.url() != null) {
                data.put("url", e.url());
            }
        }
        if (e.failed()) {
            data.put("failed", true);
        }
        writeIfOpen(response, "id: " + e.id() + "\ndata: " + data.encode() + "\n\n");
        if (isLast(e.state())) {
            close(response, listener, key);
        }
    }

    /** The last event of a stream: the notebook is ready, or the spawn has ended. */
    static boolean isLast(SpawnState state) {
        return state.isFinal() || state == SpawnState.READY;
    }

    private void close(HttpServerResponse response, Consumer<SpawnEvent> listener, SpawnKey key) {
        spawns.unsubscribe(key, listener);
        if (!response.ended() && !response.closed()) {
            response.end();
        }
    }

    private static void writeIfOpen(HttpServerResponse response, String text) {
        if (!response.ended() && !response.closed()) {
            response.write(text);
        }
    }

    static long lastEventId(String header) {
        try {
            return header == null ? 0 : Math.max(0, Long.parseLong(header.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
