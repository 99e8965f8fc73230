package org.oarspawner.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.spawn.HubRoutes;
import org.oarspawner.spi.RouteRegistry.Route;
import org.oarspawner.spi.SpawnKey;

/** The route registry against a real configurable-http-proxy. */
@ExtendWith(VertxExtension.class)
class ChpRouteRegistryIT {
    private Chp chp;
    private ChpRouteRegistry registry;
    private HttpServer notebook;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        chp = new Chp();
        registry = new ChpRouteRegistry(vertx, chp.apiUrl(), chp.token);
        notebook = await(vertx.createHttpServer().requestHandler(r -> r.response().end("notebook at " + r.path())).listen(0, "127.0.0.1"));
    }

    @AfterEach
    void tearDown() throws Exception {
        registry.close();
        chp.close();
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void addListProxyRemove() throws Exception {
        SpawnKey key = new SpawnKey("alice", "gpu");
        Route route = HubRoutes.route("/", key, "http://127.0.0.1:" + notebook.actualPort());
        await(registry.add(route));
        Map<String, Route> routes = await(registry.list());
        assertThat(routes).containsKey("/user/alice/gpu");
        assertThat(routes.get("/user/alice/gpu").target()).isEqualTo(route.target());
        assertThat(routes.get("/user/alice/gpu").data()).containsEntry("user", "alice").containsEntry("server_name", "gpu")
                .containsEntry("jupyterhub", true);

        HttpResponse<String> through = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(chp.publicUrl() + "/user/alice/gpu/api/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(through.statusCode()).isEqualTo(200);
        assertThat(through.body()).isEqualTo("notebook at /user/alice/gpu/api/status");

        await(registry.remove(route.path()));
        assertThat(await(registry.list())).doesNotContainKey("/user/alice/gpu");
        // Removing again is not an error.
        await(registry.remove(route.path()));
    }

    @Test
    void aWrongTokenSaysWhatToCheck(Vertx vertx) {
        try (ChpRouteRegistry wrong = new ChpRouteRegistry(vertx, chp.apiUrl(), "not-the-token")) {
            assertThatThrownBy(() -> await(wrong.list())).hasMessageContaining("HTTP 403").hasMessageContaining("CONFIGPROXY_AUTH_TOKEN");
        }
    }

    @Test
    void aRestartedProxyHasNoRoutes() throws Exception {
        await(registry.add(HubRoutes.route("/", new SpawnKey("bob", ""), "http://127.0.0.1:" + notebook.actualPort())));
        chp.restart();
        assertThat(await(registry.list())).doesNotContainKey("/user/bob");
    }
}
