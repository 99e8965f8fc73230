package org.oarspawner.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MaskedConfigTest {
    private static String print(String yaml, Map<String, String> env) throws Exception {
        return MaskedConfig.yaml(ConfigNode.of(new ObjectMapper(new YAMLFactory()).readTree(yaml), env));
    }

    @Test
    void pathsShowAndInlineSecretsAreMasked() throws Exception {
        String out = print("""
                jobNameKeyFile: /etc/oarspawner/job-name-key
                jwt:
                  issuer: jupyterhub
                  hmacSecretFile: /etc/oarspawner/jwt-secret
                  hmacSecret: inline-hmac-value
                  publicKeys: {hub: {algorithm: ES256, pem: "-----BEGIN PUBLIC KEY-----\\nMFkw"}}
                proxy: {apiUrl: http://127.0.0.1:8001, authToken: inline-chp-token, authTokenFile: ./relative-token}
                hub: {apiUrl: "https://svc:hub-password@hub.example.org/hub/api"}
                clusters:
                  cpu:
                    serviceAccount: {user: oarspawner, key: /etc/oarspawner/ssh/id_ed25519, passphrase: pass-phrase}
                    userKeys: "/etc/oarspawner/keys/{login}"
                    knownHosts: /etc/oarspawner/known_hosts
                    tokens: [list-secret-1]
                """, Map.of("OARSPAWNER_HUB__API_TOKEN", "env-token-value", "OARSPAWNER_HTTP__PORT", "9000"));
        assertThat(out).doesNotContain("inline-hmac-value", "MFkw", "inline-chp-token", "relative-token", "hub-password",
                "pass-phrase", "list-secret-1", "env-token-value");
        assertThat(out).contains("/etc/oarspawner/job-name-key", "/etc/oarspawner/jwt-secret", "/etc/oarspawner/ssh/id_ed25519",
                "/etc/oarspawner/keys/{login}", "/etc/oarspawner/known_hosts", "algorithm: ES256", "user: oarspawner",
                "https://svc:" + MaskedConfig.MASK + "@hub.example.org/hub/api", "port: 9000", "issuer: jupyterhub");
        assertThat(out).contains("hmacSecret: '" + MaskedConfig.MASK + "'", "authToken: '" + MaskedConfig.MASK + "'");
    }
}
