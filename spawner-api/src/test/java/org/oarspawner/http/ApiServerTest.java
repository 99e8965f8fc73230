package org.oarspawner.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Routing, validation and every 401/403 case, on a real HTTP server; no request here may reach a cluster. */
class ApiServerTest extends ApiServerFixture {
    @Test
    void everyUnauthenticatedCaseIs401() throws Exception {
        String path = "/api/v1/profiles";
        assertError(call("GET", path, null, null), 401, "unauthorized");
        assertError(call("GET", path, "not-a-jwt", null), 401, "unauthorized");
        JsonObject hubClaims = new JsonObject().put("roles", new JsonArray().add("hub"));
        // Expired well beyond the 5 s leeway.
        JsonObject expired = hubClaims.copy().put("exp", System.currentTimeMillis() / 1000 - 60);
        assertError(call("GET", path, token(trusted, expired, ISSUER, "oarspawner", 0), null), 401, "unauthorized");
        assertError(call("GET", path, token(stranger, hubClaims, ISSUER, "oarspawner", 300), null), 401, "unauthorized");
        assertError(call("GET", path, token(trusted, hubClaims, ISSUER, "someone-else", 300), null), 401, "unauthorized");
        assertError(call("GET", path, token(trusted, hubClaims, "https://evil.example.org", "oarspawner", 300), null), 401, "unauthorized");
        JWTAuth wrongSecret = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
                .setAlgorithm("HS256").setBuffer("another-secret-another-secret-another")));
        assertError(call("GET", path, wrongSecret.generateToken(hubClaims, new JWTOptions().setIssuer(ISSUER)
                .setAudience(List.of("oarspawner"))), null), 401, "unauthorized");
        assertThat(json(call("GET", path, null, null)).getString("message")).contains(ISSUER);
    }

    @Test
    void validTokensPass() throws Exception {
        assertThat(call("GET", "/api/v1/profiles", hub(), null).statusCode()).isEqualTo(200);
        JWTAuth hmac = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(HMAC)));
        String hs = hmac.generateToken(new JsonObject().put("roles", new JsonArray().add("hub")),
                new JWTOptions().setIssuer(ISSUER).setAudience(List.of("oarspawner")).setExpiresInSeconds(60));
        assertThat(call("GET", "/api/v1/profiles", hs, null).statusCode()).isEqualTo(200);
        // Expired, but within the leeway.
        JsonObject justExpired = new JsonObject().put("roles", new JsonArray().add("hub")).put("exp", System.currentTimeMillis() / 1000 - 2);
        assertThat(call("GET", "/api/v1/profiles", token(trusted, justExpired, ISSUER, "oarspawner", 0), null).statusCode()).isEqualTo(200);
    }

    @Test
    void everyForbiddenCaseIs403() throws Exception {
        assertError(call("GET", "/api/v1/users/bob/servers/x", user("alice"), null), 403, "forbidden");
        assertError(call("DELETE", "/api/v1/users/bob/servers/_default", user("alice"), null), 403, "forbidden");
        assertError(call("GET", "/api/v1/servers", user("alice"), null), 403, "forbidden");
        String noRole = token(trusted, new JsonObject().put("sub", "alice"), ISSUER, "oarspawner", 300);
        assertError(call("GET", "/api/v1/users/alice/servers/x", noRole, null), 403, "forbidden");
        // alice's own servers are hers to see.
        assertError(call("GET", "/api/v1/users/alice/servers/x", user("alice"), null), 404, "not_found");
    }

    @Test
    void profilesWithoutFreeCountsNeverAskOarnodes() throws Exception {
        int before = NoClusterScheduler.FREE_ASKED.get();
        JsonObject p = json(call("GET", "/api/v1/profiles?free=false", user("alice"), null));
        assertThat(p.getJsonArray("profiles")).hasSize(2);
        assertThat(p.getJsonArray("clusters").getJsonObject(1).getJsonArray("gpuModels").getList()).containsExactly("A100", "V100");
        assertThat(p.getJsonArray("clusters").getJsonObject(0).containsKey("free")).isFalse();
        assertThat(NoClusterScheduler.FREE_ASKED.get()).isEqualTo(before);
        // The spawn form's plain GET still asks, and shows each cluster's free counts (null: OAR did not answer).
        JsonObject withFree = json(call("GET", "/api/v1/profiles", user("alice"), null));
        assertThat(withFree.getJsonArray("clusters").getJsonObject(0).containsKey("free")).isTrue();
        assertThat(NoClusterScheduler.FREE_ASKED.get()).isGreaterThan(before);
        assertError(call("GET", "/api/v1/profiles?free=maybe", user("alice"), null), 400, "invalid_request");
    }

    @Test
    void profilesComeFromConfig() throws Exception {
        JsonObject p = json(call("GET", "/api/v1/profiles", user("alice"), null));
        assertThat(p.getJsonArray("profiles")).hasSize(2);
        assertThat(p.getJsonArray("profiles").getJsonObject(1).getString("display")).isEqualTo("1 GPU A100, 4 h");
        JsonObject gpu = p.getJsonArray("clusters").getJsonObject(1);
        assertThat(gpu.getString("display")).isEqualTo("HPC node - GPU");
        assertThat(gpu.getJsonArray("gpuModels").getList()).containsExactly("A100", "V100");
        assertThat(gpu.getInteger("maxGpus")).isEqualTo(2);
    }

    @Test
    void badRequestsAre400AndNeverReachTheCluster() throws Exception {
        String path = "/api/v1/users/alice/servers/lab";
        assertError(call("PUT", path, hub(), "{}"), 400, "invalid_request");
        assertError(call("PUT", path, hub(), "{\"command\": []}"), 400, "invalid_request");
        assertError(call("PUT", path, hub(), "{\"command\": [\"x\"], \"cores\": \"many\"}"), 400, "invalid_request");
        assertError(call("PUT", path, hub(), "{\"command\": [\"x\"], \"unknown\": 1}"), 400, "invalid_request");
        assertError(call("PUT", path, hub(), "{\"command\": [\"x\"], \"project\": \"pr x; rm -rf /\"}"), 400, "invalid_request");
        assertError(call("PUT", "/api/v1/users/al%20ice/servers/lab", hub(), "{\"command\": [\"x\"]}"), 400, "invalid_request");
        assertError(call("PUT", "/api/v1/users/alice/servers/_x", hub(), "{\"command\": [\"x\"]}"), 400, "invalid_request");
        assertThat(call("PUT", path, hub(), "not json").statusCode()).isEqualTo(400);

        HttpResponse<String> cores = call("PUT", path, hub(), "{\"command\": [\"x\"], \"cluster\": \"cpu\", \"cores\": 8}");
        assertError(cores, 400, "invalid_field");
        assertThat(json(cores).getString("field")).isEqualTo("cores");
        assertThat(json(cores).getString("message")).isEqualTo("cores: may be at most 4 on cpu, got 8");
        HttpResponse<String> model = call("PUT", path, hub(), "{\"command\": [\"x\"], \"profile\": \"gpu-a100\", \"gpuModel\": \"H100\"}");
        assertThat(json(model).getString("field")).isEqualTo("gpuModel");
        assertThat(json(model).getString("message")).contains("[A100, V100]");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\"], \"profile\": \"nope\"}")).getString("field")).isEqualTo("profile");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\"]}")).getString("field")).isEqualTo("cluster");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\"], \"cluster\": \"cpu\", \"walltime\": \"5:00\"}"))
                .getString("message")).isEqualTo("walltime: may be at most 4:00:00 on cpu");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\"], \"cluster\": \"cpu\", \"project\": \"pr-other\"}"))
                .getString("field")).isEqualTo("project");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\"], \"cluster\": \"cpu\", \"types\": [\"besteffort\"]}"))
                .getString("field")).isEqualTo("types");
        assertThat(json(call("PUT", path, hub(), "{\"command\": [\"x\", \"a\\u0000b\"], \"cluster\": \"cpu\"}"))
                .getString("field")).isEqualTo("command");
        // Nothing was recorded: no spawn exists for alice.
        assertError(call("GET", path, hub(), null), 404, "not_found");
    }

    @Test
    void aValidRequestReachesTheSchedulerAndItsFailureIsReported() throws Exception {
        HttpResponse<String> r = call("PUT", "/api/v1/users/carol/servers/_default", hub(),
                "{\"profile\": \"cpu-small\", \"command\": [\"jupyterhub-singleuser\"], \"environment\": {\"JUPYTERHUB_API_TOKEN\": \"t\"}}");
        // Answered without waiting for oarsub: the refusal of the submission is the spawn's, in GET and its events.
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(json(r).containsKey("jobId")).isFalse();
        JsonObject server = json(call("GET", "/api/v1/users/carol/servers/_default", hub(), null));
        assertThat(server.getString("code")).isEqualTo("cluster_unreachable");
        assertThat(server.getString("message")).contains("cluster cpu");
        assertThat(server.getString("state")).isEqualTo("failed");
        assertThat(server.getString("failure")).isEqualTo("unreachable");
        String events = call("GET", "/api/v1/users/carol/servers/_default/events", hub(), null).body();
        String last = events.lines().filter(l -> l.startsWith("data: ")).reduce((a, b) -> b).orElseThrow().substring(6);
        assertThat(new JsonObject(last).getBoolean("failed")).as(events).isTrue();
        assertThat(new JsonObject(last).getString("message")).isEqualTo(server.getString("message"));
        assertThat(server.getString("name")).isEqualTo("_default");
        JsonArray listed = new JsonArray(call("GET", "/api/v1/servers?user=carol&state=failed", hub(), null).body());
        assertThat(listed).hasSize(1);
        assertThat(new JsonArray(call("GET", "/api/v1/servers?cluster=gpu", hub(), null).body())).isEmpty();
        assertThat(call("DELETE", "/api/v1/users/carol/servers/_default", hub(), null).statusCode()).isEqualTo(204);
        assertThat(call("DELETE", "/api/v1/users/nobody/servers/x", hub(), null).statusCode()).isEqualTo(204);
    }

    @Test
    void opsEndpoints() throws Exception {
        assertThat(call("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
        HttpResponse<String> ready = call("GET", "/health/ready", null, null);
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(json(ready).getJsonObject("clusters").getString("gpu")).contains("no frontend");
        HttpResponse<String> contract = call("GET", "/api/v1/openapi.yaml", null, null);
        assertThat(contract.statusCode()).isEqualTo(200);
        assertThat(contract.body()).startsWith("openapi: 3.1.0");
        assertThat(call("GET", "/metrics", null, null).statusCode()).isEqualTo(200);
        assertError(call("GET", "/nowhere", null, null), 404, "not_found");
    }

    @Test
    void opsEndpointsMayBeClosed() throws Exception {
        assertError(call(closedOpsPort, "GET", "/metrics", null, null), 401, "unauthorized");
        assertError(call(closedOpsPort, "GET", "/health/live", null, null), 401, "unauthorized");
        assertError(call(closedOpsPort, "GET", "/metrics", user("alice"), null), 403, "forbidden");
        assertThat(call(closedOpsPort, "GET", "/metrics", hub(), null).statusCode()).isEqualTo(200);
        assertThat(call(closedOpsPort, "GET", "/health/live", hub(), null).statusCode()).isEqualTo(200);
    }

    @Test
    void walltimeExtensionsAreValidatedAndAuthorizedLikeAStart() throws Exception {
        String path = "/api/v1/users/alice/servers/x/walltime";
        assertError(call("POST", "/api/v1/users/bob/servers/x/walltime", user("alice"), new JsonObject().put("add", "1:00").encode()), 403, "forbidden");
        for (String bad : List.of("1h", "1:00\n", "-1:00", "+1:00", "0:60", "")) {
            HttpResponse<String> r = call("POST", path, user("alice"), new JsonObject().put("add", bad).encode());
            assertError(r, 400, "invalid_field");
            assertThat(json(r).getString("field")).as(bad).isEqualTo("add");
        }
        assertError(call("POST", path, user("alice"), new JsonObject().put("add", "0:00").encode()), 400, "invalid_field");
        assertThat(call("POST", path, user("alice"), new JsonObject().encode()).statusCode()).isEqualTo(400);
        assertThat(call("POST", path, user("alice"), new JsonObject().put("add", "1:00").put("force", true).encode()).statusCode()).isEqualTo(400);
        // alice has no server x: nothing to extend.
        assertError(call("POST", path, user("alice"), new JsonObject().put("add", "1:00").encode()), 404, "not_found");
    }
}
