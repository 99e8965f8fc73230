package org.oarspawner.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.SpawnKey;

class HubClientTest {
    final Vertx vertx = Vertx.vertx();
    FakeHub hub;
    HubClient client;

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private HubClient client(String url) {
        client = new HubClient(vertx, url, "s3cret-token", Duration.ofSeconds(5));
        return client;
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (hub != null) {
            hub.close();
        }
        vertx.close();
    }

    @Test
    void readyAndPendingServersAreKnownOnEveryPage() throws Exception {
        hub = new FakeHub(vertx);
        hub.pageSize = 2;
        hub.user("alice", "=ready", "gpu=spawn").user("bob", "x=stop", "y=stopped").user("carol", "=stopped")
                .user("dave", "a=check").user("has space", "=ready");
        Set<SpawnKey> known = await(client(hub.apiUrl()).knownServers());
        assertThat(known).containsExactlyInAnyOrder(new SpawnKey("alice", ""), new SpawnKey("alice", "gpu"),
                new SpawnKey("bob", "x"), new SpawnKey("dave", "a"));
        assertThat(hub.requests).hasSize(3);
        assertThat(hub.requests.get(0).getHeader("Authorization")).isEqualTo("token s3cret-token");
        assertThat(hub.requests.get(0).getHeader("Accept")).isEqualTo(HubClient.PAGINATION);
        assertThat(hub.requests.get(0).getParam("state")).isEqualTo("active");
        assertThat(hub.requests.stream().map(r -> r.getParam("offset")).toList()).containsExactly("0", "2", "4");
    }

    @Test
    void aHubWithNoServersKnowsNone() throws Exception {
        hub = new FakeHub(vertx);
        assertThat(await(client(hub.apiUrl()).knownServers())).isEmpty();
    }

    @Test
    void aListWithoutServersIsNotAnAnswer() throws Exception {
        // A token without read:servers: the hub leaves the servers out, and every job would look abandoned.
        hub = new FakeHub(vertx);
        hub.user("alice", "=ready");
        hub.withoutServers = true;
        assertFails(client(hub.apiUrl()).knownServers(), "lacks the scope read:servers");
    }

    @Test
    void errorsAndRefusalsAreNotAnswers() throws Exception {
        hub = new FakeHub(vertx);
        hub.status = 503;
        assertFails(client(hub.apiUrl()).knownServers(), "HTTP 503");
        hub.status = 403;
        assertFails(client.knownServers(), "list:users and read:servers");
    }

    @Test
    void noHubIsNotAnAnswer() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertFails(client("http://127.0.0.1:" + port + "/hub/api").knownServers(), "/hub/api/users");
    }

    private static void assertFails(Future<?> f, String message) {
        assertThatThrownBy(() -> await(f)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(HubClient.HubUnavailableException.class).hasMessageContaining(message);
    }
}
