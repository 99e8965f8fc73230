package org.oarspawner.hub;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A scripted stand-in for JupyterHub's GET /hub/api/users, for unit tests only: the real hub 3.0 answers the
 * ITs (OrphanIT). It pages its users as JupyterHub does with the pagination media type, or answers a status.
 */
final class FakeHub implements AutoCloseable {
    final List<HttpServerRequest> requests = new CopyOnWriteArrayList<>();
    volatile List<JsonObject> users = new ArrayList<>();
    volatile int status = 200;
    volatile int pageSize = 200;
    volatile boolean withoutServers;
    private final HttpServer server;

    FakeHub(Vertx vertx) throws Exception {
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    String apiUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/hub/api";
    }

    /** A user with servers, each "ready", "spawn", "stop" or "stopped". */
    FakeHub user(String name, String... servers) {
        JsonObject s = new JsonObject();
        for (String spec : servers) {
            String[] p = spec.split("=", 2);
            boolean ready = p[1].equals("ready");
            s.put(p[0], new JsonObject().put("name", p[0]).put("ready", ready)
                    .put("pending", ready || p[1].equals("stopped") ? null : p[1]).put("stopped", p[1].equals("stopped")));
        }
        List<JsonObject> copy = new ArrayList<>(users);
        copy.add(new JsonObject().put("kind", "user").put("name", name).put("servers", s));
        users = copy;
        return this;
    }

    private void handle(HttpServerRequest req) {
        requests.add(req);
        if (status != 200) {
            req.response().setStatusCode(status).end(new JsonObject().put("status", status).put("message", "down").encode());
            return;
        }
        int offset = Integer.parseInt(req.getParam("offset", "0"));
        int limit = Math.min(Integer.parseInt(req.getParam("limit", "200")), pageSize);
        JsonArray items = new JsonArray();
        for (int i = offset; i < Math.min(users.size(), offset + limit); i++) {
            JsonObject u = users.get(i).copy();
            if (withoutServers) {
                u.remove("servers");
            }
            items.add(u);
        }
        JsonObject next = offset + limit < users.size()
                ? new JsonObject().put("offset", offset + limit).put("limit", limit).put("url", "/hub/api/users?offset=" + (offset + limit))
                : null;
        JsonObject body = new JsonObject().put("items", items).put("_pagination", new JsonObject().put("offset", offset)
                .put("limit", limit).put("total", users.size()).put("next", next));
        req.response().putHeader("content-type", "application/json").end(body.encode());
    }

    @Override
    public void close() {
        server.close();
    }
}
