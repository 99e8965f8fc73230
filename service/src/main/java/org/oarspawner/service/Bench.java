package org.oarspawner.service;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * N concurrent spawns through a running service (deploy/bench.sh starts one on the local platform), on the
 * 128-core bench node. Prints time to all ready, spawn latency p50/p95, OAR Running to ready, frontend commands,
 * the service's RSS and REST latency p99. Usage: Bench URL N SERVICE_PID [STATE_DIR]
 *
 * <p>-Dbench.notebook=perl makes each notebook a Perl one-liner that answers every HTTP request with 200 (about 2 MB
 * per job, where python3 -m http.server takes about 19 MB), for a memory measure with hundreds of spawns. With
 * -Dbench.memory=true it also prints, once all are ready, the service's live set after a full GC and the classes
 * that hold most of its heap (jcmd GC.run, GC.heap_info, GC.class_histogram).
 */
public final class Bench {
    // HTTP/1.1: one connection per request in flight (over h2c, hundreds of PUTs at once exceed the stream limit).
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String base;
    private final String token;
    private final ConcurrentLinkedQueue<Long> restNanos = new ConcurrentLinkedQueue<>();
    /** Answers any HTTP request with 200 until killed; {host} and {port} are the job script's. */
    static final List<String> PERL_NOTEBOOK = List.of("perl", "-MIO::Socket::INET", "-e",
            "$s=IO::Socket::INET->new(LocalAddr=>$ARGV[0],LocalPort=>$ARGV[1],Listen=>16,ReuseAddr=>1) or die \"listen: $!\";"
                    + "while($c=$s->accept){print $c \"HTTP/1.0 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n\";close $c}",
            "{host}", "{port}");
    static final List<String> PYTHON_NOTEBOOK = List.of("python3", "-m", "http.server", "{port}", "--bind", "{host}");

    private Bench(String base, String token) {
        this.base = base;
        this.token = token;
    }

    public static void main(String[] args) throws Exception {
        String base = args[0];
        int n = Integer.parseInt(args[1]);
        long pid = Long.parseLong(args[2]);
        Path state = Path.of(args.length > 3 ? args[3] : "/var/lib/oarspawner-dev");
        Vertx vertx = Vertx.vertx();
        String token = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256")
                        .setBuffer(Files.readString(state.resolve("jwt-secret")).strip())))
                .generateToken(new JsonObject().put("sub", "bench").put("roles", new JsonArray().add("hub")),
                        new JWTOptions().setIssuer("jupyterhub").setAudience(List.of("oarspawner")).setExpiresInSeconds(3600));
        vertx.close();
        new Bench(base, token).run(n, pid);
    }

    private HttpResponse<String> call(String method, String path, JsonObject body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            restNanos.add(System.nanoTime() - t0);
            return r;
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + ": " + e.getMessage(), e);
        }
    }

    private void run(int n, long pid) throws Exception {
        try {
            spawnAll(n, pid);
        } finally { // whatever failed, nothing of this run stays: every spawn is stopped and its job ended
            for (int i = 0; i < n; i++) {
                call("DELETE", "/api/v1/users/bob/servers/b" + i, null);
            }
            Instant end = Instant.now().plus(Duration.ofMinutes(10));
            while (Instant.now().isBefore(end) && new JsonArray(call("GET", "/api/v1/servers?cluster=bench", null).body()).stream()
                    .anyMatch(o -> !List.of("stopped", "failed").contains(((JsonObject) o).getString("state")))) {
                Thread.sleep(500);
            }
        }
    }

    private void spawnAll(int n, long pid) throws Exception {
        double commands0 = commands();
        Map<String, Instant> putAt = new HashMap<>();
        List<CompletableFuture<HttpResponse<String>>> puts = new ArrayList<>();
        Instant start = Instant.now();
        for (int i = 0; i < n; i++) {
            String name = "b" + i;
            putAt.put(name, Instant.now());
            JsonObject body = new JsonObject().put("cluster", "bench").put("cores", 1).put("walltime", "0:30")
                    .put("project", "pr-training").put("command", new JsonArray("perl".equals(System.getProperty("bench.notebook")) ? PERL_NOTEBOOK : PYTHON_NOTEBOOK))
                    .put("environment", new JsonObject().put("JUPYTERHUB_API_TOKEN", "bench"));
            puts.add(CompletableFuture.supplyAsync(() -> call("PUT", "/api/v1/users/bob/servers/" + name, body)));
        }
        for (CompletableFuture<HttpResponse<String>> p : puts) {
            if (p.get().statusCode() >= 300) {
                throw new IllegalStateException("PUT failed: " + p.get().body());
            }
        }
        Map<String, JsonObject> done = new HashMap<>();
        while (done.size() < n) {
            // OAR starts a few jobs a second on this machine: hundreds take more than a quarter of an hour.
            long limit = Math.max(15, n / 15);
            if (Duration.between(start, Instant.now()).toMinutes() > limit) {
                throw new IllegalStateException("only " + done.size() + " of " + n + " ready after " + limit + " min");
            }
            for (Object o : new JsonArray(call("GET", "/api/v1/servers?cluster=bench", null).body())) {
                JsonObject s = (JsonObject) o;
                if (putAt.containsKey(s.getString("name")) && List.of("ready", "failed").contains(s.getString("state"))) {
                    done.putIfAbsent(s.getString("name"), s);
                }
            }
            Thread.sleep(200);
        }
        long failed = done.values().stream().filter(s -> s.getString("state").equals("failed")).count();
        Instant lastReady = done.values().stream().filter(s -> s.containsKey("readyAt"))
                .map(s -> Instant.parse(s.getString("readyAt"))).max(Instant::compareTo).orElse(Instant.now());
        List<Long> latency = new ArrayList<>();
        List<Long> runningToReady = new ArrayList<>();
        for (JsonObject s : done.values()) {
            if (s.containsKey("readyAt")) {
                Instant ready = Instant.parse(s.getString("readyAt"));
                latency.add(Duration.between(putAt.get(s.getString("name")), ready).toMillis());
                runningToReady.add(Duration.between(Instant.parse(s.getString("runningAt")), ready).toMillis());
            }
        }
        double commands = commands() - commands0;
        String rss = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS")).findFirst().orElse("VmRSS: ?").replaceAll("\\s+", " ");
        List<Long> rest = new ArrayList<>(restNanos);
        System.out.printf("N=%d: all ready after %d ms (%d failed); spawn latency p50 %d ms, p95 %d ms; Running->ready median %d ms;"
                        + " frontend commands %.0f; service %s; REST calls %d, p99 %.1f ms%n",
                n, Duration.between(start, lastReady).toMillis(), failed, pct(latency, 50), pct(latency, 95), pct(runningToReady, 50),
                commands, rss, rest.size(), pct(rest, 99) / 1e6);
        if (Boolean.getBoolean("bench.memory")) {
            memory(pid);
        }
    }

    /** The live set after a full GC, and the 15 classes holding most of the heap, with the spawns still tracked. */
    private static void memory(long pid) throws Exception {
        jcmd(pid, "GC.run");
        String rss = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS")).findFirst().orElse("VmRSS: ?").replaceAll("\\s+", " ");
        System.out.println("after a full GC: " + rss);
        System.out.print(jcmd(pid, "GC.heap_info"));
        String[] histogram = jcmd(pid, "GC.class_histogram").split("\n");
        for (int i = 0; i < Math.min(histogram.length, 19); i++) {
            System.out.println(histogram[i]);
        }
        System.out.println(histogram[histogram.length - 1]);
        try { // only if the service runs with -XX:NativeMemoryTracking=summary
            System.out.print(jcmd(pid, "VM.native_memory summary"));
        } catch (IllegalStateException e) {
            System.out.println("(no native memory summary: run the service with -XX:NativeMemoryTracking=summary for one)");
        }
    }

    private static String jcmd(long pid, String command) throws Exception {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " " + command + ": " + out);
        }
        return out;
    }

    /** Every OAR command and staging step sent to the bench cluster's frontend so far. */
    private double commands() {
        String text = call("GET", "/metrics", null).body();
        Matcher m = Pattern.compile("^oarspawner_oar_command_duration_seconds_count\\{cluster=\"bench\"[^}]*} ([0-9.eE+-]+)$",
                Pattern.MULTILINE).matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static long pct(List<Long> values, int p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
