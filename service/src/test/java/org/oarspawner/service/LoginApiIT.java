package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.LocalCluster;

/**
 * Issue 8, item 8, at the API of the service as a real process (deploy/config/oarspawner.yaml: logins are the hub
 * user names, identity service-account): a hub user whose login is a system account gets 403 (by the configured deny
 * list, or by its uid on the frontend), one with no account on the cluster 422 with the reason, and none reaches sudo.
 */
class LoginApiIT {
    private ServiceProcess service;

    @BeforeEach
    void setUp() throws Exception {
        service = new ServiceProcess("logins", Map.of()).start();
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
    }

    private JsonObject put(String user, int status) throws Exception {
        JsonObject body = new JsonObject().put("cluster", "cpu").put("cores", 1).put("walltime", "0:20")
                .put("command", new JsonArray(LocalCluster.HTTP_SERVER)).put("environment", new JsonObject().put("JUPYTERHUB_API_TOKEN", "t"));
        HttpResponse<String> r = service.call("PUT", "/api/v1/users/" + user + "/servers/x", body);
        assertThat(r.statusCode()).as("PUT for %s: %s", user, r.body()).isEqualTo(status);
        return new JsonObject(r.body());
    }

    @Test
    void aSystemLoginIs403AndALoginWithNoAccount422() throws Exception {
        for (String user : List.of("root", "daemon", "backup")) {
            JsonObject e = put(user, 403);
            System.out.printf("LoginApiIT %s: 403 %s%n", user, e.encode());
            assertThat(e.getString("message")).doesNotContain("sudo");
        }
        // root and daemon are in the configuration's logins.deny; backup (uid 34) is refused by its uid on the frontend.
        assertThat(put("daemon", 403).getString("code")).isEqualTo("login_denied");
        assertThat(put("backup", 403).getString("code")).isEqualTo("login_forbidden");
        JsonObject e = put("nosuchuser", 422);
        System.out.printf("LoginApiIT nosuchuser: 422 %s%n", e.encode());
        assertThat(e.getString("code")).isEqualTo("no_account");
        assertThat(e.getString("message")).contains("user nosuchuser has no account on cluster cpu").doesNotContain("sudo");
        assertThat(service.log()).doesNotContain("sudo:");
    }
}
