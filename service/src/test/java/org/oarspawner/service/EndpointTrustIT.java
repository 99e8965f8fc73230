package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.LocalCluster;
import org.oarspawner.proxy.Chp;
import org.oarspawner.spi.SpawnKey;

/**
 * A user owns the files where her job says its notebook listens, and may rewrite them at any time. Re-read at a
 * restart, they must not point the proxy at an internal address (the hub's API, a database, a metadata service) nor
 * at a system port: the spawn fails with a message, its job is cancelled, and no request goes there.
 */
class EndpointTrustIT {
    static final String INSTANCE = "ssrf";

    private Chp chp;
    private ServiceProcess service;
    private ServerSocket internal;
    private final AtomicInteger connections = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        // An internal service on the proxy's host, as the hub's API on 127.0.0.1:8081 is: it counts who connects.
        internal = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread counter = new Thread(() -> {
            while (!internal.isClosed()) {
                try (Socket s = internal.accept()) {
                    connections.incrementAndGet();
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
        counter.setDaemon(true);
        counter.start();
        chp = new Chp();
        service = new ServiceProcess(INSTANCE, ServiceProcess.managing(chp)).start();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            service.close();
        } finally {
            chp.close();
            internal.close();
        }
    }

    @Test
    void anEndpointRewrittenToAnInternalAddressOrASystemPortIsRefusedAfterARestart() throws Exception {
        JsonObject ssrf = ready("ssrf");
        JsonObject sys = ready("sys");

        // From alice's own shell: both files her job wrote, in the spool and in the job's directory.
        rewrite("ssrf", ssrf.getLong("jobId"), "127.0.0.1 " + internal.getLocalPort());
        rewrite("sys", sys.getLong("jobId"), "node-cpu 22");
        service.kill();
        service.start();

        JsonObject refused = service.waitFor("alice", "ssrf", s -> s.getString("state").equals("failed"));
        assertThat(refused.getString("failure")).isEqualTo("endpoint_refused");
        assertThat(refused.getString("message")).contains("127.0.0.1").contains("not one of the nodes").contains("node-cpu");
        JsonObject system = service.waitFor("alice", "sys", s -> s.getString("state").equals("failed"));
        assertThat(system.getString("failure")).isEqualTo("endpoint_refused");
        assertThat(system.getString("message")).contains("port 22");

        // No request went there, no route points there, and the jobs are cancelled.
        assertThat(connections.get()).isZero();
        JsonObject routes = ServiceProcess.routes(chp);
        assertThat(routes.fieldNames()).doesNotContain("/user/alice/ssrf", "/user/alice/sys");
        ServiceProcess.waitUntil(() -> service.jobsNamed("alice", "ssrf") == 0 && service.jobsNamed("alice", "sys") == 0,
                "both jobs cancelled");
        assertThat(service.log()).contains("event=endpoint_refused user=alice server=ssrf cluster=cpu job=" + ssrf.getLong("jobId")
                + " host=127.0.0.1");
    }

    private JsonObject ready(String server) throws Exception {
        assertThat(service.call("PUT", "/api/v1/users/alice/servers/" + server,
                ServiceProcess.body("cpu", 0, LocalCluster.HTTP_SERVER)).statusCode()).isEqualTo(202);
        JsonObject ready = service.waitFor("alice", server, s -> s.getString("state").equals("ready"));
        assertThat(ready.getString("url")).startsWith("http://node-cpu:");
        return ready;
    }

    private static void rewrite(String server, long job, String line) {
        Path spool = LocalCluster.SPOOL.resolve("endpoint." + job);
        Path own = LocalCluster.jobDir("alice", new SpawnKey("alice", server)).resolve("endpoint." + job);
        for (Path p : List.of(spool, own)) {
            assertThat(LocalCluster.run("stat", "-c", "%U", p.toString()).strip()).isEqualTo("alice");
            LocalCluster.run("su", "-s", "/bin/sh", "alice", "-c", "printf '" + line + "\\n' > " + p);
            assertThat(LocalCluster.run("cat", p.toString())).isEqualTo(line + "\n");
        }
    }
}
