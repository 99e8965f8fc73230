package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.oarspawner.spi.SpawnKey;

class HubRoutesTest {
    @Test
    void pathsAsJupyterHubWritesThem() {
        assertThat(HubRoutes.path("/", new SpawnKey("alice", ""))).isEqualTo("/user/alice");
        assertThat(HubRoutes.path("/", new SpawnKey("alice", "gpu"))).isEqualTo("/user/alice/gpu");
        assertThat(HubRoutes.path("/hub-prefix", new SpawnKey("alice", "gpu"))).isEqualTo("/hub-prefix/user/alice/gpu");
        assertThat(HubRoutes.path("/", new SpawnKey("a.b+c@example.org", ""))).isEqualTo("/user/a.b%2Bc@example.org");
        assertThat(HubRoutes.route("/", new SpawnKey("alice", ""), "http://node-cpu:1234").data())
                .containsEntry("user", "alice").containsEntry("server_name", "").containsEntry("jupyterhub", true);
    }

    @Test
    void normalizeLikeChp() {
        assertThat(HubRoutes.normalize("user/alice/")).isEqualTo("/user/alice");
        assertThat(HubRoutes.normalize("/")).isEqualTo("/");
    }
}
