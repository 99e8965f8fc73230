package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.LocalCluster;
import org.oarspawner.oar.TcpRelay;
import org.oarspawner.proxy.Chp;

/**
 * A real scrape of the service as a process (example configuration, with a real configurable-http-proxy whose routes
 * it keeps): every operators' meter and every cluster's series from the start; after one CPU spawn is ready through
 * the API, the frontends up, the route expected and present, the REST meters by route template with no user's name;
 * and Debian's promtool finds nothing to say about the whole scrape. The bench cluster's frontend is reached through a
 * TCP relay, closed once the spawn is ready: its frontend_up goes to 0, the others' stay 1.
 */
class MetricsScrapeIT {
    private static final List<String> CLUSTERS = List.of("cpu", "gpu", "bench");
    private static final List<String> PER_CLUSTER = List.of("oarspawner_frontend_up", "oarspawner_poll_last_success_timestamp_seconds",
            "oarspawner_routes_expected", "oarspawner_routes_present", "oarspawner_tunnels_open");
    private static final List<String> JVM = List.of("jvm_memory_used_bytes{area=\"heap\"", "jvm_threads_live_threads ",
            "process_cpu_usage ", "process_uptime_seconds ", "process_files_open_files ", "jvm_classes_loaded_classes ",
            "process_resident_memory_bytes ", "process_cpu_seconds_total ");
    private static final String SERVER_ROUTE = "/api/v1/users/:user/servers/:name";
    /** Every value the route label may take: the routes of the code, whatever the requests. */
    private static final Set<String> ROUTES = Set.of(SERVER_ROUTE, SERVER_ROUTE + "/events", "/api/v1/servers", "/api/v1/profiles",
            "/api/v1/openapi.yaml", "/api/v1/", "/api/v1/users/:user/", "/health/live", "/health/ready", "/metrics", "path-guard",
            "not-found", "none");
    private static final Pattern ROUTE_LABEL = Pattern.compile("route=\"([^\"]*)\"");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void operatorsMetersOnARealScrapeBeforeAndAfterASpawn() throws Exception {
        long startedAt = System.currentTimeMillis() / 1000;
        try (Chp chp = new Chp(); TcpRelay relay = new TcpRelay("127.0.0.1", 22);
             ServiceProcess svc = new ServiceProcess(ServiceProcess.freshInstance("metrics"), overrides(chp, relay)).start()) {
            String before = scrape(svc, "before");
            for (String cluster : CLUSTERS) {
                for (String name : PER_CLUSTER) {
                    assertThat(before).as(name + " of " + cluster).containsPattern("(?m)^" + name + "\\{cluster=\"" + cluster + "\"} ");
                }
                assertThat(value(before, "oarspawner_routes_expected", cluster)).isZero();
            }
            for (String jvm : JVM) {
                assertThat(before).as(jvm).contains("\n" + jvm);
            }
            assertThat(Promtool.checkMetrics(before)).isEmpty();

            // Refused and hostile requests: none may add a label value of its own.
            assertThat(svc.call("GET", "/api/v1/users/mallory/servers/x", null, null).statusCode()).isEqualTo(401);
            assertThat(svc.call("GET", "/api/v1/users/mallory/../alice/servers/x", null).statusCode()).isEqualTo(400);
            assertThat(svc.call("GET", "/zzz-nowhere/mallory", null).statusCode()).isEqualTo(404);
            assertThat(svc.call("BREW", "/api/v1/users/mallory/servers/x", null).statusCode()).isGreaterThanOrEqualTo(400);
            assertThat(svc.call("GET", "/api/v1/users/mallory/servers/x", svc.user("trudy"), null).statusCode()).isEqualTo(403);
            assertThat(svc.jobsInOar("mallory", null) + svc.jobsInOar("alice", null)).as("jobs made by the refused requests").isZero();

            HttpResponse<String> put = svc.call("PUT", "/api/v1/users/alice/servers/scrape7",
                    ServiceProcess.body("cpu", 0, LocalCluster.HTTP_SERVER));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(202);
            svc.waitFor("alice", "scrape7", s -> s.getString("state").equals("ready"));
            ServiceProcess.waitUntil(() -> value(scrape(svc, null), "oarspawner_routes_present", "cpu") == 1, "the route counted present");
            // An idle cluster is pinged within 15 s of start, the busy one is polled: every frontend is up.
            ServiceProcess.waitUntil(() -> {
                String now = scrape(svc, null);
                return CLUSTERS.stream().allMatch(c -> value(now, "oarspawner_frontend_up", c) == 1);
            }, "every frontend up");

            String after = scrape(svc, "after");
            assertThat(value(after, "oarspawner_routes_expected", "cpu")).isEqualTo(1);
            assertThat(value(after, "oarspawner_routes_present", "cpu")).isEqualTo(1);
            for (String cluster : CLUSTERS) {
                // Refreshed from OAR since this test began: by the CPU spawn's polls, by the idle pings elsewhere.
                assertThat(value(after, "oarspawner_poll_last_success_timestamp_seconds", cluster)).isGreaterThanOrEqualTo(startedAt);
                assertThat(value(after, "oarspawner_tunnels_open", cluster)).isZero();
            }
            assertThat(value(after, "oarspawner_routes_expected", "gpu")).isZero();
            assertThat(after).containsPattern("(?m)^vertx_http_server_requests_total\\{code=\"202\",method=\"PUT\",route=\""
                    + Pattern.quote(SERVER_ROUTE) + "\"} 1\\.0$");
            assertThat(after).containsPattern("(?m)^vertx_http_server_response_time_seconds_bucket\\{code=\"202\",method=\"PUT\",route=\""
                    + Pattern.quote(SERVER_ROUTE) + "\",le=\"[0-9.]+\"} ");
            Set<String> routes = new TreeSet<>();
            after.lines().filter(l -> l.startsWith("vertx_http_server")).forEach(l -> {
                Matcher m = ROUTE_LABEL.matcher(l);
                if (m.find()) {
                    routes.add(m.group(1));
                }
            });
            System.out.printf("route label values: %s%n", routes);
            assertThat(routes).contains(SERVER_ROUTE, "path-guard", "not-found").isSubsetOf(ROUTES);
            for (String name : List.of("alice", "scrape7", "mallory", "trudy", "zzz", "BREW")) {
                assertThat(after).as("a user's or a request's own word in the scrape").doesNotContain(name);
            }
            assertThat(after).contains("\njvm_gc_pause_seconds_count{");
            assertThat(Promtool.checkMetrics(after)).isEmpty();

            // The bench frontend goes away (connections cut, nothing listens): its next idle ping, within 15 s, fails.
            relay.close();
            long closedAt = System.nanoTime();
            ServiceProcess.waitUntil(() -> value(scrape(svc, null), "oarspawner_frontend_up", "bench") == 0, "bench's frontend down");
            System.out.printf("bench frontend_up 0 %.1f s after its relay closed%n", (System.nanoTime() - closedAt) / 1e9);
            String down = scrape(svc, "frontend-down");
            assertThat(value(down, "oarspawner_frontend_up", "cpu")).isEqualTo(1);
            assertThat(value(down, "oarspawner_frontend_up", "gpu")).isEqualTo(1);
        }
    }

    /** Keeps the CHP's routes; reaches the bench cluster's sshd through the relay, with its host keys under the relay's name. */
    private static Map<String, String> overrides(Chp chp, TcpRelay relay) throws Exception {
        Path knownHosts = Files.createTempFile("known_hosts-relay", "");
        Files.writeString(knownHosts, Files.readAllLines(LocalCluster.STATE.resolve("known_hosts")).stream()
                .filter(l -> l.startsWith("127.0.0.1 ")).map(l -> "[127.0.0.1]:" + relay.port() + l.substring("127.0.0.1".length()))
                .collect(Collectors.joining("\n", "", "\n")));
        Map<String, String> env = new HashMap<>(ServiceProcess.managing(chp));
        env.put("OARSPAWNER_CLUSTERS__BENCH__FRONTEND__HOST", "127.0.0.1");
        env.put("OARSPAWNER_CLUSTERS__BENCH__FRONTEND__PORT", Integer.toString(relay.port()));
        env.put("OARSPAWNER_CLUSTERS__BENCH__KNOWN_HOSTS", knownHosts.toString());
        return env;
    }

    /** The series of a per-cluster meter, as a number. */
    private static double value(String scrape, String name, String cluster) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{cluster=\"" + cluster + "\"} ([0-9.eE+-]+)$").matcher(scrape);
        assertThat(m.find()).as(name + "{cluster=\"" + cluster + "\"}").isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** The whole of /metrics; saved under target/ when named, for the record. */
    private String scrape(ServiceProcess svc, String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(svc.base() + "/metrics")).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        if (name != null) {
            Path file = Path.of("target", "metrics-" + name + ".txt");
            Files.writeString(file, r.body());
            System.out.printf("scrape %s: %d series, %d metric families (%s)%n", name,
                    r.body().lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count(),
                    r.body().lines().filter(l -> l.startsWith("# TYPE ")).count(), file.toAbsolutePath());
        }
        return r.body();
    }
}
