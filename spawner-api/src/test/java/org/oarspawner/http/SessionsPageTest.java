package org.oarspawner.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.oarspawner.config.ConfigNode;
import org.oarspawner.config.ServiceConfig;
import org.oarspawner.spawn.FailureReason;
import org.oarspawner.spawn.SpawnManager;
import org.oarspawner.spawn.SpawnState;

/**
 * The sessions page on a real ApiServer (PathGuard, the REST API beside it), logged in through a fake hub OAuth
 * provider: the login and its cookie, the OAuth state, what each user sees, escaping, the XSRF rule, and that no
 * URL lets a user stop or extend another user's server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionsPageTest {
    static final String PREFIX = "/services/oarspawner/";
    static final String SECRET = "client-secret-0123456789abcdef";
    private static final Pattern XSRF = Pattern.compile("name=\"_xsrf\" value=\"([^\"]+)\"");

    Vertx vertx;
    SpawnManager manager;
    FakeHubOAuth hub;
    final FakeSpawns spawns = new FakeSpawns();
    int port;
    String publicUrl;
    Path dir;

    @BeforeAll
    void start() throws Exception {
        vertx = Vertx.vertx();
        dir = Files.createTempDirectory("oarspawner-sessions-test");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        publicUrl = "http://127.0.0.1:" + port;
        hub = new FakeHubOAuth(vertx, "service-oarspawner", SECRET, publicUrl + PREFIX + "oauth_callback");
        hub.admins.put("carol", true);
        manager = new SpawnManager(vertx, new NoClusterScheduler(), Duration.ofSeconds(1), Duration.ofMinutes(1), Clock.systemUTC());
        start(port, publicUrl);
        Instant now = Instant.now();
        spawns.views.add(FakeSpawns.view("alice", "", "cpu", 101, SpawnState.READY, now, Optional.empty(), "", "", Optional.empty()));
        spawns.views.add(FakeSpawns.view("alice", "gpu1", "gpu", 102, SpawnState.QUEUED, now, Optional.empty(),
                "Job 102 is waiting, position 2", "", Optional.of(2)));
        spawns.views.add(FakeSpawns.view("bob", "", "cpu", 201, SpawnState.READY, now, Optional.empty(), "", "", Optional.empty()));
        spawns.views.add(FakeSpawns.view("bob", "bad", "gpu", 202, SpawnState.FAILED, now, Optional.of(FailureReason.ENDED_BEFORE_READY),
                "Job 202 ended <b>early</b>", "Traceback & <script>alert('x')</script>\nend", Optional.empty()));
    }

    private int start(int listen, String pub) throws Exception {
        Files.writeString(dir.resolve("hmac"), "0123456789abcdef0123456789abcdef-test-secret");
        Files.writeString(dir.resolve("client-secret"), SECRET + "\n");
        String yaml = """
                instance: test
                http: {host: 127.0.0.1, port: PORT}
                jwt: {issuer: hub, audience: [oarspawner], hmacSecretFile: DIR/hmac}
                clusters:
                  cpu: {limits: {maxCores: 4}}
                  gpu: {limits: {maxGpus: 2, gpuModels: [A100]}}
                sessions:
                  publicUrl: PUBLIC
                  hubApiUrl: http://127.0.0.1:HUB/hub/api
                  clientSecretFile: DIR/client-secret
                  hubCheckInterval: 0s
                """.replace("PORT", String.valueOf(listen)).replace("DIR", dir.toString()).replace("PUBLIC", pub)
                .replace("HUB", String.valueOf(hub.port()));
        ServiceConfig config = ServiceConfig.from(ConfigNode.of(new ObjectMapper(new YAMLFactory()).readTree(yaml), Map.of()));
        return new ApiServer(vertx, config, manager, new NoClusterScheduler(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .withSessionActions(spawns).start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS).actualPort();
    }

    @AfterAll
    void stop() throws Exception {
        manager.close();
        hub.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void clear() {
        spawns.calls.clear();
    }

    PageBrowser browser(String user) {
        return new PageBrowser(user, port, hub.port());
    }

    /** A browser logged in to the page through the (fake) hub, and its page. */
    PageBrowser loggedIn(String user) throws Exception {
        PageBrowser b = browser(user);
        HttpResponse<String> page = b.open(PREFIX);
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        return b;
    }

    static String xsrf(String html) {
        Matcher m = XSRF.matcher(html);
        assertThat(m.find()).as("a form with the XSRF token in:\n" + html).isTrue();
        return m.group(1);
    }

    @Test
    void logsInThroughTheHubsOAuthWithAnHttpOnlyLaxSessionCookie() throws Exception {
        PageBrowser b = browser("alice");
        HttpResponse<String> first = b.get(PREFIX);
        assertThat(first.statusCode()).isEqualTo(302);
        String location = first.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(publicUrl + "/hub/api/oauth2/authorize?");
        String query = URLDecoder.decode(location.substring(location.indexOf('?') + 1), StandardCharsets.UTF_8);
        assertThat(query).contains("client_id=service-oarspawner", "redirect_uri=" + publicUrl + PREFIX + "oauth_callback",
                "response_type=code").containsPattern("state=[^&]{6,}");
        String before = b.cookies.get(SessionsPage.COOKIE);
        assertThat(before).isNotBlank();

        HttpResponse<String> page = b.open(location);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Logged in as <strong>alice</strong>");
        // The session was renewed at login (no fixation), and every cookie of the page has the flags.
        assertThat(b.cookies.get(SessionsPage.COOKIE)).isNotEqualTo(before);
        // (Attribute names are case-insensitive: Netty writes HTTPOnly.)
        assertThat(b.setCookies).isNotEmpty().allSatisfy(c -> assertThat(c.toLowerCase()).startsWith(SessionsPage.COOKIE + "=")
                .contains("; httponly", "; samesite=lax", "; path=" + PREFIX).doesNotContain("secure"));
        // The client authenticated to the hub's token endpoint with its secret in the body, as JupyterHub 3.0 wants.
        assertThat(hub.tokenRequests).isNotEmpty().last().asString().contains("client_secret=" + SECRET);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("script-src 'self'");
    }

    @Test
    void aCallbackWhoseStateIsNotTheSessionsIsRefused() throws Exception {
        PageBrowser b = browser("alice");
        String location = b.get(PREFIX).headers().firstValue("Location").orElseThrow();
        String forged = location.replaceAll("state=[^&]+", "state=forged");
        HttpResponse<String> back = b.get(forged);
        assertThat(back.statusCode()).isEqualTo(302);
        HttpResponse<String> callback = b.get(back.headers().firstValue("Location").orElseThrow());
        assertThat(callback.statusCode()).isEqualTo(401);
        assertThat(b.get(PREFIX).statusCode()).as("still not logged in").isEqualTo(302);
        // A callback in a browser that never started a login (a code pushed by someone else): refused too.
        assertThat(browser("alice").get(PREFIX + "oauth_callback?code=x&state=y").statusCode()).isEqualTo(401);
    }

    @Test
    void aUserSeesHerOwnServersOnlyReadableWithoutJavaScript() throws Exception {
        String html = loggedIn("alice").get(PREFIX).body();
        assertThat(html).contains("<h1>HPC sessions</h1>", "<dd>101</dd>", "<dd>102</dd>", "<dd>queued</dd>",
                "<dt>Queue position</dt>\n<dd>2</dd>", "<dt>Estimated start</dt>", "<dd>node-cpu</dd>",
                "class=\"countdown\"", " min ", "Open the notebook", "href=\"" + publicUrl + "/user/alice/\"",
                "action=\"" + PREFIX + "users/alice/servers/_default/stop\"", "action=\"" + PREFIX + "users/alice/servers/_default/extend\"",
                "action=\"" + PREFIX + "users/alice/servers/gpu1/stop\"", "name=\"viewport\"");
        assertThat(html).doesNotContain("<dd>201</dd>", "<dd>202</dd>", "bob", "name=\"cluster\"");
        // A queued job has no walltime to extend yet.
        assertThat(html).doesNotContain("users/alice/servers/gpu1/extend");
    }

    @Test
    void whatAJobWroteIsEscaped() throws Exception {
        String html = loggedIn("bob").get(PREFIX).body();
        assertThat(html).contains("Traceback &amp; &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\nend",
                "Job 202 ended &lt;b&gt;early&lt;/b&gt;", "failed (ended-before-ready)", "<dt>Exit status</dt>");
        assertThat(html).doesNotContain("<script>alert", "<b>early");
        assertThat(html.split("<script", -1)).as("one script element: countdown.js").hasSize(2);
    }

    @Test
    void aPostWithoutTheSessionsXsrfTokenDoesNothing() throws Exception {
        PageBrowser alice = loggedIn("alice");
        String token = xsrf(alice.get(PREFIX).body());
        String bobsToken = xsrf(loggedIn("bob").get(PREFIX).body());
        String stop = PREFIX + "users/alice/servers/_default/stop";
        assertThat(alice.post(stop, Map.of()).statusCode()).isEqualTo(403);
        assertThat(alice.post(stop, Map.of("_xsrf", "")).statusCode()).isEqualTo(403);
        assertThat(alice.post(stop, Map.of("_xsrf", token + "x")).statusCode()).isEqualTo(403);
        assertThat(alice.post(stop, Map.of("_xsrf", bobsToken)).statusCode()).isEqualTo(403);
        assertThat(spawns.calls).isEmpty();
        HttpResponse<String> ok = alice.post(stop, Map.of("_xsrf", token));
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(ok.headers().firstValue("Location")).hasValue(PREFIX);
        assertThat(spawns.calls).containsExactly("stop alice/");
        assertThat(alice.get(PREFIX).body()).contains("Stop requested for alice (default server).");
        assertThat(alice.post(PREFIX + "users/alice/servers/_default/extend", Map.of("_xsrf", token)).statusCode()).isEqualTo(303);
        assertThat(spawns.calls).containsExactly("stop alice/", "extend alice/ PT1H");
    }

    @Test
    void noUrlLetsAUserStopOrExtendAnotherUsersServer() throws Exception {
        PageBrowser alice = loggedIn("alice");
        String token = xsrf(alice.get(PREFIX).body());
        List<String> targets = new ArrayList<>();
        for (String action : List.of("stop", "extend")) {
            targets.add(PREFIX + "users/bob/servers/_default/" + action);
            targets.add(PREFIX + "users/bob/servers/bad/" + action);
            for (String path : HostilePaths.to(PREFIX, "alice", "bob", "_default")) {
                targets.add(path + "/" + action);
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cookie", alice.cookieHeader());
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        for (String target : targets) {
            RawHttp.Response r = RawHttp.send(port, "POST", target, headers, "_xsrf=" + token);
            assertThat(r.status()).as(target + ": " + r.body()).isBetween(400, 499);
        }
        assertThat(targets).hasSize(34);
        assertThat(spawns.calls).as("no action ran for any of %d hostile requests", targets.size()).isEmpty();
        // Not logged in at all: nothing runs either.
        assertThat(browser("alice").post(PREFIX + "users/alice/servers/_default/stop", Map.of("_xsrf", token)).statusCode())
                .isBetween(400, 499);
        assertThat(spawns.calls).isEmpty();
    }

    @Test
    void aHubAdminSeesEverySessionFiltersThemAndStopsButExtendsOnlyHerOwn() throws Exception {
        PageBrowser carol = loggedIn("carol");
        String html = carol.get(PREFIX).body();
        assertThat(html).contains("hub admin", "<dd>101</dd>", "<dd>102</dd>", "<dd>201</dd>", "<dd>202</dd>",
                "<label for=\"f-cluster\">Cluster</label>", "<label for=\"f-state\">State</label>",
                "action=\"" + PREFIX + "users/bob/servers/_default/stop\"");
        assertThat(html).doesNotContain("users/bob/servers/_default/extend", "Open the notebook");
        String gpu = carol.get(PREFIX + "?cluster=gpu&state=").body();
        assertThat(gpu).contains("<dd>102</dd>", "<dd>202</dd>").doesNotContain("<dd>101</dd>", "<dd>201</dd>");
        String failed = carol.get(PREFIX + "?state=failed").body();
        assertThat(failed).contains("<dd>202</dd>").doesNotContain("<dd>101</dd>", "<dd>102</dd>", "<dd>201</dd>");
        String hostile = carol.get(PREFIX + "?cluster=%3Cscript%3E&state=%22").body();
        assertThat(hostile).contains("<dd>101</dd>", "<dd>202</dd>").doesNotContain("<script>", "value=\"\"\"");

        String token = xsrf(html);
        assertThat(carol.post(PREFIX + "users/bob/servers/_default/extend", Map.of("_xsrf", token)).statusCode()).isEqualTo(403);
        assertThat(spawns.calls).isEmpty();
        assertThat(carol.post(PREFIX + "users/bob/servers/_default/stop", Map.of("_xsrf", token)).statusCode()).isEqualTo(303);
        assertThat(spawns.calls).containsExactly("stop bob/");
        // The filter is the admin's alone: a user's query shows her own servers, nothing more.
        assertThat(loggedIn("alice").get(PREFIX + "?cluster=cpu").body()).contains("<dd>102</dd>").doesNotContain("<dd>201</dd>");
    }

    @Test
    void logOutEndsThePagesSessionOnlyWithTheToken() throws Exception {
        PageBrowser bob = loggedIn("bob");
        String token = xsrf(bob.get(PREFIX).body());
        assertThat(bob.post(PREFIX + "logout", Map.of("_xsrf", "nope")).statusCode()).isEqualTo(403);
        assertThat(bob.get(PREFIX).statusCode()).isEqualTo(200);
        HttpResponse<String> out = bob.post(PREFIX + "logout", Map.of("_xsrf", token));
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().firstValue("Location")).hasValue(publicUrl + "/hub/home");
        assertThat(bob.get(PREFIX).statusCode()).as("logged out: back to the hub's OAuth").isEqualTo(302);
    }

    @Test
    void aLogoutFromTheHubEndsThePagesSession() throws Exception {
        PageBrowser dave = loggedIn("dave");
        String token = xsrf(dave.get(PREFIX).body());
        hub.logOut("dave");
        assertThat(dave.post(PREFIX + "users/dave/servers/_default/stop", Map.of("_xsrf", token)).statusCode()).isEqualTo(401);
        HttpResponse<String> again = dave.get(PREFIX);
        assertThat(again.statusCode()).isEqualTo(302);
        assertThat(again.headers().firstValue("Location").orElseThrow()).startsWith(publicUrl + "/hub/api/oauth2/authorize?");
        assertThat(spawns.calls).isEmpty();
    }

    @Test
    void overTlsTheSessionCookieIsSecure() throws Exception {
        int other;
        try (ServerSocket s = new ServerSocket(0)) {
            other = s.getLocalPort();
        }
        start(other, "https://hub.example.org");
        PageBrowser b = new PageBrowser("alice", other, hub.port());
        assertThat(b.get(PREFIX).statusCode()).isEqualTo(302);
        assertThat(b.setCookies).isNotEmpty().allSatisfy(c -> assertThat(c.toLowerCase()).contains("; secure", "; httponly", "; samesite=lax"));
    }
}
