package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.service.HubStack.await;

import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.http.HostilePaths;
import org.oarspawner.http.RawHttp;
import org.oarspawner.oar.LocalCluster;

/**
 * The HPC sessions page behind Debian's JupyterHub 3.0 and its proxy: the hub lists it and links to it, a user
 * logs in through the hub's real OAuth (the state checked, the cookie HttpOnly and SameSite=Lax), sees her job and
 * no one else's, a hub admin sees everyone's, no request of bob's reaches alice's server by any path, and alice
 * stops her server from the page.
 */
@ExtendWith(HubStack.Extension.class)
class SessionsPageIT {
    static final String PREFIX = "/services/oarspawner/";
    static final String PAGE = HubStack.HUB + PREFIX;
    static final String PASSWORD = "oarspawner-demo";
    private static final Pattern XSRF = Pattern.compile("name=\"_xsrf\" value=\"([^\"]+)\"");

    @Test
    void logInThroughTheHubSeeOnlyYourOwnSessionsAndStopFromThePage(HubStack hub) throws Exception {
        assertThat(hub.hub("POST", "/hub/api/users/alice", null).statusCode()).isIn(201, 409);
        HttpResponse<String> spawn = hub.hub("POST", HubStack.serverPath("alice", ""),
                new JsonObject().put("profile", "cpu-1core-2h").put("project", LocalCluster.PROJECT));
        assertThat(spawn.statusCode()).as(spawn.body()).isIn(201, 202);
        List<JsonObject> events = hub.progress("alice", "");
        assertThat(events.get(events.size() - 1).getBoolean("ready")).as(events.toString()).isTrue();
        long job = HubStack.jobs("alice", "").get(0);

        HubBrowser alice = new HubBrowser();
        alice.logIn("alice", PASSWORD);
        // The hub's home page links to the page (template_vars) and lists it in its Services menu.
        String home = alice.open(HubStack.HUB + "/hub/home").body();
        assertThat(home).contains("href=\"/services/oarspawner/\">HPC sessions</a>", "href=\"/services/oarspawner/\">oarspawner</a>");

        long t0 = System.nanoTime();
        HttpResponse<String> page = alice.open(PAGE);
        System.out.printf("sessions page: OAuth login through the hub and first page in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(alice.at.getPath()).isEqualTo(PREFIX);
        assertThat(page.body()).contains("Logged in as <strong>alice</strong>", "<dd>" + job + "</dd>", "<dd>ready</dd>",
                "<dd>node-cpu</dd>", "class=\"countdown\"", "href=\"" + HubStack.HUB + "/user/alice/\"");
        List<String> ours = alice.setCookies.stream().filter(c -> c.startsWith("oarspawner-sessions=")).toList();
        assertThat(ours).isNotEmpty().allSatisfy(c -> assertThat(c.toLowerCase()).contains("; httponly", "; samesite=lax",
                "; path=" + PREFIX).doesNotContain("secure"));

        HubBrowser bob = new HubBrowser();
        bob.logIn("bob", PASSWORD);
        String bobs = bob.open(PAGE).body();
        assertThat(bobs).contains("Logged in as <strong>bob</strong>", "You have no HPC session").doesNotContain(String.valueOf(job), "alice");

        HubBrowser admin = new HubBrowser();
        admin.logIn("hubadmin", PASSWORD);
        String admins = admin.open(PAGE).body();
        assertThat(admins).contains("hub admin", "<dd>" + job + "</dd>", "users/alice/servers/_default/stop");
        assertThat(admin.open(PAGE + "?cluster=gpu").body()).doesNotContain("<dd>" + job + "</dd>");

        // Bob, logged in with his own valid XSRF token, against alice's server: directly and through every hostile path.
        String bobsToken = xsrf(bobs);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cookie", "oarspawner-sessions=" + bob.cookie("oarspawner-sessions").orElseThrow());
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        List<String> targets = new ArrayList<>();
        for (String action : List.of("stop", "extend")) {
            targets.add(PREFIX + "users/alice/servers/_default/" + action);
            for (String path : HostilePaths.to(PREFIX, "bob", "alice", "_default")) {
                targets.add(path + "/" + action);
            }
        }
        int refused = 0;
        for (String target : targets) {
            RawHttp.Response r = RawHttp.send(9081, "POST", target, headers, "_xsrf=" + bobsToken);
            assertThat(r.status()).as(target + ": " + r.body()).isBetween(400, 499);
            refused++;
        }
        System.out.printf("hostile requests from bob to alice's server: %d sent, %d refused%n", targets.size(), refused);
        assertThat(HubStack.jobs("alice", "")).containsExactly(job);
        assertThat(hub.hubServer("alice", "").getBoolean("ready")).isTrue();

        // A callback whose state is not the one this browser's session sent: refused, no login.
        HubBrowser forger = new HubBrowser();
        forger.logIn("alice", PASSWORD);
        String authorize = forger.get(PAGE).headers().firstValue("Location").orElseThrow();
        assertThat(URLDecoder.decode(authorize, StandardCharsets.UTF_8)).contains("/hub/api/oauth2/authorize?",
                "client_id=service-oarspawner", "redirect_uri=" + PAGE + "oauth_callback");
        HttpResponse<String> forged = forger.open(authorize.replaceAll("state=[^&]+", "state=forged"));
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forger.get(PAGE).statusCode()).as("still not logged in to the page").isEqualTo(302);

        // Alice stops her server from the page.
        String token = xsrf(alice.open(PAGE).body());
        long t1 = System.nanoTime();
        HttpResponse<String> stop = alice.post(PAGE + "users/alice/servers/_default/stop", Map.of("_xsrf", token));
        assertThat(stop.statusCode()).as(stop.body()).isEqualTo(303);
        await("alice's job gone after Stop on the page", Duration.ofSeconds(90), () -> HubStack.jobs("alice", "").isEmpty());
        System.out.printf("Stop on the page to the job gone from OAR: %d ms%n", (System.nanoTime() - t1) / 1_000_000);
        assertThat(alice.open(PAGE).body()).contains("Stop requested for alice (default server).");
    }

    static String xsrf(String html) {
        Matcher m = XSRF.matcher(html);
        assertThat(m.find()).as("a form with the XSRF token in:\n" + html).isTrue();
        return m.group(1);
    }
}
