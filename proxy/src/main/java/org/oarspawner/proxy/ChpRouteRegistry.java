package org.oarspawner.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.oarspawner.spawn.HubRoutes;
import org.oarspawner.spi.RouteRegistry;

/** configurable-http-proxy's REST API: /api/routes with {@code Authorization: token ...}. */
public final class ChpRouteRegistry implements RouteRegistry, AutoCloseable {
    private final WebClient client;
    private final URI api;
    private final String token;

    /** @param apiUrl CHP's API, e.g. http://127.0.0.1:8001 */
    public ChpRouteRegistry(Vertx vertx, String apiUrl, String token) {
        this.api = URI.create(apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl);
        this.token = token;
        this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5000).setIdleTimeout(30));
    }

    @Override
    public Future<Void> add(Route route) {
        JsonObject body = new JsonObject(new LinkedHashMap<>(route.data())).put("target", route.target());
        return client.postAbs(url(route.path())).putHeader("Authorization", "token " + token)
                .sendJsonObject(body).compose(r -> expect(r, "add route " + route.path(), 201)).mapEmpty();
    }

    @Override
    public Future<Void> remove(String path) {
        return client.deleteAbs(url(path)).putHeader("Authorization", "token " + token).send()
                .compose(r -> expect(r, "remove route " + path, 204, 404)).mapEmpty();
    }

    @Override
    public Future<Map<String, Route>> list() {
        return client.getAbs(api + "/api/routes").putHeader("Authorization", "token " + token).send()
                .compose(r -> expect(r, "list routes", 200)).map(r -> {
                    Map<String, Route> routes = new LinkedHashMap<>();
                    JsonObject all = r.bodyAsJsonObject();
                    for (String path : all.fieldNames()) {
                        JsonObject data = all.getJsonObject(path).copy();
                        String target = (String) data.remove("target");
                        data.remove("last_activity");
                        routes.put(path, new Route(path, target, data.getMap()));
                    }
                    return routes;
                });
    }

    private String url(String path) {
        return api + "/api/routes" + HubRoutes.normalize(path);
    }

    private Future<HttpResponse<Buffer>> expect(HttpResponse<Buffer> r, String what, int... ok) {
        for (int code : ok) {
            if (r.statusCode() == code) {
                return Future.succeededFuture(r);
            }
        }
        String why = r.statusCode() == 403 ? " (the proxy refused the token: check CONFIGPROXY_AUTH_TOKEN)" : "";
        return Future.failedFuture(new IllegalStateException("proxy at " + api + ": " + what + " answered HTTP "
                + r.statusCode() + why + (r.bodyAsString() == null ? "" : ": " + r.bodyAsString())));
    }

    @Override
    public void close() {
        client.close();
    }
}
