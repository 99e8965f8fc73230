package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.SpawnKey;

class RouteKeeperTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final FakeScheduler oar = new FakeScheduler(clock);
    private final FakeRouteRegistry proxy = new FakeRouteRegistry();
    private final List<Spawn> spawns = new ArrayList<>();
    private final ClusterMetrics recorded = new ClusterMetrics();
    private final RouteKeeper keeper = new RouteKeeper(oar, proxy, "/hub/", () -> spawns, new LifecycleMetrics(recorded, clock));

    private Spawn ready(String user, String server, int port) {
        Spawn s = new Spawn(new SpawnKey(user, server), "cpu", user, clock.instant());
        s.job = new JobRef("cpu", 100 + spawns.size(), user);
        s.state = SpawnState.READY;
        s.endpoint = new Endpoint("node-cpu", port);
        s.target = s.endpoint.url();
        spawns.add(s);
        return s;
    }

    @Test
    void aRouteGoesInAsJupyterHubWritesItAndGoesWithTheJob() {
        Spawn s = ready("bob", "web", 8888);
        keeper.add(s);
        assertThat(proxy.table).containsOnlyKeys("/hub/user/bob/web");
        assertThat(proxy.table.get("/hub/user/bob/web").target()).isEqualTo("http://node-cpu:8888");
        assertThat(proxy.table.get("/hub/user/bob/web").data()).containsEntry("user", "bob").containsEntry("server_name", "web");

        s.state = SpawnState.FAILED;
        keeper.remove(s);
        assertThat(proxy.table).isEmpty();
    }

    @Test
    void aLostRouteIsPutBackAndAGoodOneLeftAlone() {
        Spawn bob = ready("bob", "", 8888);
        Spawn alice = ready("alice", "gpu", 9999);
        keeper.add(bob);
        keeper.add(alice);
        // The proxy restarted, then the hub re-added alice's route only.
        proxy.table.clear();
        keeper.add(alice);
        proxy.calls.clear();

        keeper.sync();

        assertThat(proxy.table).containsOnlyKeys("/hub/user/bob", "/hub/user/alice/gpu");
        assertThat(proxy.calls).containsExactly("list", "add /hub/user/bob http://node-cpu:8888");
        // As the check found it: two routes expected on cpu, one there; gpu has none.
        assertThat(recorded.routes).containsEntry("cpu", "2/1").containsEntry("gpu", "0/0");
        keeper.sync();
        assertThat(recorded.routes).containsEntry("cpu", "2/2");
    }

    @Test
    void aRouteToAnotherTargetIsNotPresentAndAProxyThatCannotBeAskedHasNone() {
        Spawn bob = ready("bob", "", 8888);
        keeper.add(bob);
        proxy.table.put("/hub/user/bob", new org.oarspawner.spi.RouteRegistry.Route("/hub/user/bob", "http://elsewhere:1",
                java.util.Map.of()));
        keeper.sync();
        assertThat(recorded.routes).containsEntry("cpu", "1/0");
        keeper.sync();
        assertThat(recorded.routes).containsEntry("cpu", "1/1");
        proxy.down = true;
        keeper.sync();
        assertThat(recorded.routes).containsEntry("cpu", "1/0").containsEntry("gpu", "0/0");
    }

    @Test
    void aNewTunnelMovesTheRoute() {
        Spawn bob = ready("bob", "", 8888);
        oar.tunnel = "http://127.0.0.1:40001";
        bob.target = oar.tunnel;
        keeper.add(bob);
        // The frontend connection dropped: reach() now gives a new tunnel.
        oar.tunnel = "http://127.0.0.1:40002";

        keeper.sync();

        assertThat(bob.target).isEqualTo("http://127.0.0.1:40002");
        assertThat(proxy.table.get("/hub/user/bob").target()).isEqualTo("http://127.0.0.1:40002");
    }

    @Test
    void onlyReadySpawnsAreKeptAndNoReadySpawnMeansNoLook() {
        Spawn starting = ready("bob", "", 8888);
        starting.state = SpawnState.STARTING;
        keeper.sync();
        assertThat(proxy.calls).isEmpty();
        assertThat(oar.reaches).hasValue(0);
        assertThat(recorded.routes).containsEntry("cpu", "0/0").containsEntry("gpu", "0/0");
    }

    @Test
    void withoutARegistryNothingHappens() {
        RouteKeeper none = new RouteKeeper(oar, null, "/", () -> spawns, new LifecycleMetrics(recorded, clock));
        Spawn s = ready("bob", "", 8888);
        none.add(s);
        none.remove(s);
        none.sync();
        assertThat(oar.reaches).hasValue(0);
        assertThat(recorded.routes).isEmpty();
    }
}
