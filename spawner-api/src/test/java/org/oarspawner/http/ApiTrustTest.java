package org.oarspawner.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Issue 8 on the HTTP layer: hostile paths, authorization on the routed user, token rules, every 4xx with a field. */
class ApiTrustTest extends ApiServerFixture {
    static final String START = "{\"cluster\": \"cpu\", \"project\": \"pr-training\", \"command\": [\"/bin/sh\", \"-c\", \"id > /tmp/x\"]}";

    JsonObject hubClaims() {
        return new JsonObject().put("sub", "hub").put("roles", new JsonArray().add("hub"));
    }

    String signed(JsonObject claims) {
        return token(trusted, claims, ISSUER, "oarspawner", 0);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    void assertField(RawHttp.Response r, int status, String field) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().getString("message")).isNotBlank();
        assertThat(r.json().getString("field")).as(r.body()).isEqualTo(field);
    }

    @Test
    void hostilePathsAre400BeforeAuthAndNothingRuns() throws Exception {
        int sent = 0;
        for (String path : HostilePaths.to("alice", "bob", "x")) {
            for (String token : new String[] {user("alice"), null}) {
                assertField(RawHttp.send(port, "PUT", path, token, START), 400, "path");
                assertField(RawHttp.send(port, "GET", path, token, null), 400, "path");
                assertField(RawHttp.send(port, "DELETE", path, token, null), 400, "path");
                assertField(RawHttp.send(port, "GET", path + "/events", token, null), 400, "path");
                sent += 4;
            }
        }
        System.out.println("hostile requests: " + sent + ", ran anything: 0 (each 400 before auth)");
        // Nothing was recorded for bob.
        assertError(call("GET", "/api/v1/users/bob/servers/x", hub(), null), 404, "not_found");
        // A clean path with a query or an encoded '+' still passes the guard.
        assertThat(RawHttp.send(port, "GET", "/api/v1/servers?user=bob", hub(), null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/api/v1/users/al%2Bice/servers/x", user("al+ice"), null).status()).isEqualTo(404);
    }

    @Test
    void aUserTokenIsCheckedOnTheDecodedRoutedUser() throws Exception {
        // %62ob is bob once decoded: the routed user is bob, not alice.
        assertField(RawHttp.send(port, "PUT", "/api/v1/users/%62ob/servers/x", user("alice"), START), 403, "user");
        assertField(RawHttp.send(port, "GET", "/api/v1/users/%62ob/servers/x", user("alice"), null), 403, "user");
        assertField(RawHttp.send(port, "GET", "/api/v1/users/bob/servers/x/events", user("alice"), null), 403, "user");
        assertThat(RawHttp.send(port, "GET", "/api/v1/users/%61lice/servers/x", user("alice"), null).status()).isEqualTo(404);
        // Nothing but the profiles and its own servers.
        assertError(call("GET", "/api/v1/servers", user("alice"), null), 403, "forbidden");
        assertError(call("GET", "/api/v1/users/alice", user("alice"), null), 403, "forbidden");
        assertThat(call("GET", "/api/v1/profiles", user("alice"), null).statusCode()).isEqualTo(200);
    }

    @Test
    void anAdminReadsListsAndCancelsAnyServerButStartsOnlyItsOwn() throws Exception {
        String admin = token(trusted, new JsonObject().put("sub", "ops").put("roles", new JsonArray().add("admin")), ISSUER, "oarspawner", 300);
        assertError(call("GET", "/api/v1/users/bob/servers/x", admin, null), 404, "not_found");
        assertThat(call("DELETE", "/api/v1/users/bob/servers/x", admin, null).statusCode()).isEqualTo(204);
        assertThat(call("GET", "/api/v1/servers", admin, null).statusCode()).isEqualTo(200);
        assertError(call("PUT", "/api/v1/users/bob/servers/x", admin, START), 403, "forbidden");
    }

    @Test
    void tokensMustExpireWithinTheMaximumLifetime() throws Exception {
        String path = "/api/v1/profiles";
        HttpResponse<String> noExp = call("GET", path, signed(hubClaims()), null);
        assertError(noExp, 401, "unauthorized");
        assertThat(json(noExp).getString("message")).contains("no exp");
        // The fixture's maxLifetime is the default, 1 h.
        HttpResponse<String> long1 = call("GET", path, signed(hubClaims().put("iat", now()).put("exp", now() + 7200)), null);
        assertError(long1, 401, "unauthorized");
        assertThat(json(long1).getString("message")).contains("7200 s").contains("jwt.maxLifetime");
        HttpResponse<String> long2 = call("GET", path, signed(hubClaims().put("exp", now() + 7200)), null);
        assertError(long2, 401, "unauthorized");
        assertThat(json(long2).getString("message")).contains("jwt.maxLifetime");
        // Dated ahead: a 10 min lifetime from an iat 2 h away is 2 h 10 min from now.
        HttpResponse<String> ahead = call("GET", path, signed(hubClaims().put("iat", now() + 7200).put("exp", now() + 7800)), null);
        assertError(ahead, 401, "unauthorized");
        assertThat(call("GET", path, signed(hubClaims().put("iat", now()).put("exp", now() + 3600)), null).statusCode()).isEqualTo(200);
        assertThat(call("GET", path, signed(hubClaims().put("exp", now() + 600)), null).statusCode()).isEqualTo(200);
    }

    @Test
    void timesThatAreNotNumbersAre401() throws Exception {
        for (String claim : List.of("exp", "iat", "nbf")) {
            JsonObject claims = hubClaims().put("iat", now()).put("exp", now() + 60).put(claim, "soon");
            assertError(call("GET", "/api/v1/users/x/servers/y", signed(claims), null), 401, "unauthorized");
        }
    }

    @Test
    void rolesThatAreNotAnArrayAre401() throws Exception {
        for (Object roles : List.of("hub", new JsonObject().put("hub", true), 1)) {
            JsonObject claims = new JsonObject().put("sub", "x").put("roles", roles).put("iat", now()).put("exp", now() + 60);
            HttpResponse<String> r = call("GET", "/api/v1/users/x/servers/y", signed(claims), null);
            assertError(r, 401, "unauthorized");
            assertThat(json(r).getString("message")).contains("roles");
        }
    }

    @Test
    void systemLoginsAre403BeforeAnyCommand() throws Exception {
        for (String user : List.of("root", "sysop")) {
            HttpResponse<String> r = call("PUT", "/api/v1/users/" + user + "/servers/x", hub(), START);
            assertError(r, 403, "login_denied");
            assertThat(json(r).getString("field")).isEqualTo("user");
            assertThat(json(r).getString("message")).contains("logins.deny");
            // Refused before the scheduler: no spawn recorded (a submission would have left a failed one).
            assertError(call("GET", "/api/v1/users/" + user + "/servers/x", hub(), null), 404, "not_found");
        }
    }

    @Test
    void validationFailuresNameTheField() throws Exception {
        String path = "/api/v1/users/alice/servers/lab";
        String big = "x".repeat(70_000);
        RawHttp.Response env = RawHttp.send(port, "PUT", path, hub(), new JsonObject(START)
                .put("environment", new JsonObject().put("BIG", big)).encode());
        assertField(env, 400, "environment.BIG");
        assertField(RawHttp.send(port, "PUT", "/api/v1/users/alice/servers/x%0A", hub(), START), 400, "name");
        assertField(RawHttp.send(port, "PUT", "/api/v1/users/al%0Aice/servers/x", hub(), START), 400, "user");
        assertField(RawHttp.send(port, "PUT", path, hub(), new JsonObject(START).put("walltime", "0:10\n").encode()), 400, "walltime");
        assertField(RawHttp.send(port, "PUT", path, hub(), new JsonObject(START).put("walltime", " 0:10").encode()), 400, "walltime");
        assertField(RawHttp.send(port, "PUT", path, hub(), "{}"), 400, "command");
        assertField(RawHttp.send(port, "PUT", path, hub(), new JsonObject(START).put("unknown", 1).encode()), 400, "unknown");
        assertField(RawHttp.send(port, "PUT", path, hub(), new JsonObject(START).put("cores", "many").encode()), 400, "cores");
        assertField(RawHttp.send(port, "PUT", path, hub(), new JsonObject(START).put("command", new JsonArray()).encode()), 400, "command");
        assertField(RawHttp.send(port, "GET", "/api/v1/servers?state=lost", hub(), null), 400, "state");
        assertThat(RawHttp.send(port, "PUT", path, hub(), "not json").json().getString("field")).isEqualTo("body");
        // Nothing was recorded.
        assertError(call("GET", path, hub(), null), 404, "not_found");
    }

    @Test
    void aTooLargeBodyIs413WithTheJsonBody() throws Exception {
        String huge = new JsonObject(START).put("environment", new JsonObject().put("A", "x".repeat(1_100_000))).encode();
        RawHttp.Response r = RawHttp.send(port, "PUT", "/api/v1/users/alice/servers/lab", hub(), huge);
        assertField(r, 413, "body");
    }

    @Test
    void aTooLongRequestLineIs414WithTheJsonBody() throws Exception {
        RawHttp.Response r = RawHttp.send(port, "GET", "/api/v1/users/" + "a".repeat(5000) + "/servers/x", hub(), null);
        assertField(r, 414, "path");
        assertThat(r.json().getString("code")).isEqualTo("uri_too_long");
    }

    @Test
    void theEventStreamEndsAfterTheLastEventWhateverLastEventIdSays() throws Exception {
        // A spawn that fails at once (the clusters are unreachable): its last event is "failed".
        call("PUT", "/api/v1/users/dave/servers/_default", hub(), "{\"profile\": \"cpu-small\", \"command\": [\"x\"]}");
        for (String last : List.of("0", "1", "2", "1000", "junk")) {
            // The whole body within 10 s: a stream left open fails here (HttpClient's own timeout stops at the headers).
            HttpResponse<String> r = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/users/dave/servers/_default/events")).header("Authorization", "Bearer " + hub())
                    .header("Last-Event-ID", last).build(), HttpResponse.BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith(":ok");
            if (last.equals("0") || last.equals("junk")) {
                assertThat(r.body()).contains("\"failed\":true");
            }
            if (last.equals("1000")) {
                assertThat(r.body()).doesNotContain("data:");
            }
        }
    }
}
