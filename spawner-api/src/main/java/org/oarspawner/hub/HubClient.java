package org.oarspawner.hub;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.oarspawner.spi.InvalidFieldException;
import org.oarspawner.spi.SpawnKey;

/**
 * Asks JupyterHub 3's REST API which servers it knows: {@code GET /users?state=active}, page by page
 * (JupyterHub's pagination media type), with a service token that needs only {@code list:users} and
 * {@code read:servers}. A server counts as known while the hub has it ready or pending (spawn, stop, check).
 * Any failure (no answer, a non-200 status, a body without the servers) fails the future: only a complete,
 * readable list may ever say that the hub does not know a server.
 */
public final class HubClient implements AutoCloseable {
    /** A hub that cannot be asked, or whose answer cannot be trusted: nothing may be concluded from it. */
    public static final class HubUnavailableException extends RuntimeException {
        public HubUnavailableException(String message) {
            super(message);
        }
    }

    static final String PAGINATION = "application/jupyterhub-pagination+json";
    private static final int PAGE = 200;
    private static final int MAX_PAGES = 1000;

    private final HttpClient http;
    private final String apiUrl;
    private final String token;
    private final long timeoutMs;

    public HubClient(Vertx vertx, String apiUrl, String token, Duration timeout) {
        this.apiUrl = apiUrl.replaceAll("/+$", "");
        this.token = token;
        this.timeoutMs = timeout.toMillis();
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) Math.min(timeoutMs, 10_000))
                .setIdleTimeout(30));
    }

    /** Every (user, server) that the hub has ready or pending. */
    public Future<Set<SpawnKey>> knownServers() {
        Set<SpawnKey> known = new HashSet<>();
        return page(0, 0, known).map(x -> known);
    }

    private Future<Void> page(int offset, int pages, Set<SpawnKey> known) {
        if (pages >= MAX_PAGES) {
            return Future.failedFuture(new HubUnavailableException("more than " + MAX_PAGES + " pages of users"));
        }
        String url = apiUrl + "/users?state=active&offset=" + offset + "&limit=" + PAGE;
        return http.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                        .putHeader("Authorization", "token " + token).putHeader("Accept", PAGINATION)
                        .setTimeout(timeoutMs))
                .compose(req -> req.send().compose(resp -> resp.body().map(body -> {
                    if (resp.statusCode() != 200) {
                        String hint = resp.statusCode() == 403 || resp.statusCode() == 401
                                ? " (the hub refused hub.apiTokenFile's token: its service needs the scopes list:users and read:servers)" : "";
                        throw new HubUnavailableException("GET " + url + " answered HTTP " + resp.statusCode() + hint);
                    }
                    return body;
                })))
                .recover(e -> Future.failedFuture(e instanceof HubUnavailableException ? e
                        : new HubUnavailableException("GET " + url + ": " + e.getMessage())))
                .compose(body -> {
                    Object parsed;
                    try {
                        String text = body.toString().strip();
                        parsed = text.startsWith("[") ? new JsonArray(text) : new JsonObject(text);
                    } catch (DecodeException | ClassCastException e) {
                        return Future.failedFuture(new HubUnavailableException("the hub's user list is not JSON: " + e.getMessage()));
                    }
                    JsonArray items;
                    Integer next = null;
                    if (parsed instanceof JsonObject o && o.getValue("items") instanceof JsonArray a) {
                        items = a;
                        JsonObject pagination = o.getJsonObject("_pagination", new JsonObject());
                        if (pagination.getValue("next") instanceof JsonObject n && n.getValue("offset") instanceof Number off) {
                            next = off.intValue();
                        }
                    } else if (parsed instanceof JsonArray a) {
                        items = a;
                    } else {
                        return Future.failedFuture(new HubUnavailableException("the hub's user list has no items"));
                    }
                    try {
                        collect(items, known);
                    } catch (HubUnavailableException e) {
                        return Future.failedFuture(e);
                    }
                    if (next == null) {
                        return Future.succeededFuture();
                    }
                    if (next <= offset) {
                        return Future.failedFuture(new HubUnavailableException("the hub's next page offset " + next
                                + " does not move past " + offset));
                    }
                    return page(next, pages + 1, known);
                });
    }

    private static void collect(JsonArray items, Set<SpawnKey> known) {
        for (Object item : items) {
            if (!(item instanceof JsonObject user) || !(user.getValue("name") instanceof String name)) {
                throw new HubUnavailableException("a user in the hub's list has no name");
            }
            // Without read:servers the hub leaves the servers out: every server would look unknown.
            if (!(user.getValue("servers") instanceof JsonObject servers)) {
                throw new HubUnavailableException("user " + name + " comes without servers: the token of hub.apiTokenFile"
                        + " lacks the scope read:servers");
            }
            for (String server : servers.fieldNames()) {
                if (!(servers.getValue(server) instanceof JsonObject s)) {
                    throw new HubUnavailableException("server " + name + "/" + server + " is not an object");
                }
                if (Boolean.TRUE.equals(s.getValue("ready")) || s.getValue("pending") != null) {
                    try {
                        known.add(new SpawnKey(name, server));
                    } catch (InvalidFieldException e) {
                        // A name outside the service's grammar was never one of its spawns.
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
